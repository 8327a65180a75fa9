"""Readers of migration sources: Alembic revisions (AST + offline SQL) and plain ``.sql`` files."""
