"""The SLC impact case study: who took part, how often, and what changed."""
