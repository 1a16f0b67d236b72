"""Per-pupil measures: scale scores, attendance rates, participation, the explorer's measures table."""
