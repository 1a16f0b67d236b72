"""Parsing the values schools write: dates, yes/no, year groups, codes, column headers."""
