"""Storage adapters: event-store settings and document blob stores (存储)."""
