"""Services: each owns its transactions and speaks in domain errors."""
