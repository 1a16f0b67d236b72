"""The co-production pilot case study: pupils at risk of disengagement lead their own projects."""
