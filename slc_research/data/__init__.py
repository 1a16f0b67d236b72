"""School data into canonical tables: reading raw files, parsing their values, loading sources.

:mod:`~slc_research.data.reading` reads CSV, XLSX and REFI-QDA files into text tables;
:mod:`~slc_research.data.parsing` parses the values schools write; :mod:`~slc_research.data.loading`
turns each source into its canonical, pseudonymised table (:mod:`~slc_research.data.schemas`).
"""
