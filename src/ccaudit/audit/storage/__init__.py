"""Where the audit lives: the database (SQLite or PostgreSQL), its models and Alembic migrations,
offending rows, and reading an audit back into its snapshot."""
