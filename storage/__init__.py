"""Storage: SQLModel tables, the database, and the services that own transactions."""
