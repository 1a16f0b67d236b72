"""The case studies: one package per notebook."""
