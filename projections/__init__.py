"""Read models (registers, 台账) rebuilt from the event log.

One module per register under ``registers/`` (its tables, one handler per event type, its
listings); ``store`` keeps them in SQL (SQLite beside the events, or their PostgreSQL schema) by
generation, with the log position each has applied; ``follower`` feeds them from the log exactly
once and rebuilds an outdated one into a fresh generation; ``service`` and ``query`` answer the
API's register reads, as of any date, and ``export`` writes them as CSV/XLSX.
"""
