"""Privacy: pseudonyms and consent, redaction, suppression, safe cells, quotable texts, the output check."""
