"""Documents before and after the command path: ingest checks, PDF safety, watermarked copies,
the forms the archive office files, and sweeping bytes no event cites."""
