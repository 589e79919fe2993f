"""Storage: SQLAlchemy models, Alembic migrations and the one module of queries."""
