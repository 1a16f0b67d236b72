"""Reading raw files (CSV, XLSX, REFI-QDA) into text tables, keeping Excel's row numbers."""
