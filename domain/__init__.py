"""The post-loan domain: aggregates, events, value objects and rules.

Pure: imports only the standard library and ``eventsourcing.domain``.
"""
