"""Scenario tests that read like the post-loan procedures; each names its coverage rows
(docs/procedures-coverage.md) in its docstring."""
