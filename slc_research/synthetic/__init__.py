"""The synthetic demo trust: invented schools, pupils, staff and their exports (never real people)."""
