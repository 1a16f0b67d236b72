"""The data-health case study: what was read, repaired and left out, and survey response."""
