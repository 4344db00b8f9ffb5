"""Demo portfolio: fictitious borrowers, loans and the documents of their dossiers.

Everything in this package is invented sample data for demonstrations, tests and benchmarks.
`demo.pdfs` renders the documents of a dossier as Chinese-language PDFs.
"""
