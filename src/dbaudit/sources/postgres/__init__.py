"""The live PostgreSQL source: bulk ``pg_catalog`` queries over a read-only connection."""

from dbaudit.sources.postgres.connect import Timeouts, connect_readonly
from dbaudit.sources.postgres.reader import CATALOG_QUERIES, STATEMENTS_PER_READ, read_connection, read_postgres

__all__ = ["CATALOG_QUERIES", "STATEMENTS_PER_READ", "Timeouts", "connect_readonly", "read_connection", "read_postgres"]
