"""Comparators, one module per concern; importing this package registers them all."""

from dbaudit.drift.compare import checks, columns, indexes, keys

__all__ = ["checks", "columns", "indexes", "keys"]
