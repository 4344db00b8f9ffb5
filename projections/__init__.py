"""Read models (registers, 台账) rebuilt from the event log.

Empty for now: the loan ledger and the other registers arrive with the
projection follower. Until then the API reads aggregates directly.
"""
