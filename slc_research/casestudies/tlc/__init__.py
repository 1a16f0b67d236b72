"""The TLC impact case study: who joined, how often they met, what they tried."""
