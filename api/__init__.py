"""Composition root: settings, the HTTP API, the CLI. Nothing imports this package."""
