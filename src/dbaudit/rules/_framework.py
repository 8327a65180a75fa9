"""Which application framework a schema belongs to, from the bookkeeping tables it creates.

Rules use it where a framework settles a question the schema alone cannot: ActiveRecord sets
``updated_at`` on every save, Devise's ``encrypted_password`` is a bcrypt hash, Django's
``auth_user.password`` a hasher's string.
"""

from __future__ import annotations

from typing import Literal

from dbaudit.messages import msg
from dbaudit.model.schema import SchemaModel

Framework = Literal["rails", "django"]


def framework(model: SchemaModel) -> Framework | None:
    """``rails`` (ActiveRecord's ``schema_migrations`` and ``ar_internal_metadata``), ``django``
    (``django_migrations``), or None."""
    names = model.table_names
    if {"schema_migrations", "ar_internal_metadata"} <= names:
        return "rails"
    if "django_migrations" in names:
        return "django"
    return None


# Object kinds as findings name them, translatable: (in a sentence, starting a sentence).
_KIND_WORDS = {
    "table": (msg("table"), msg("Table")),
    "index": (msg("index"), msg("Index")),
    "view": (msg("view"), msg("View")),
    "materialized view": (msg("materialized view"), msg("Materialized view")),
    "sequence": (msg("sequence"), msg("Sequence")),
    "function": (msg("function"), msg("Function")),
    "procedure": (msg("procedure"), msg("Procedure")),
    "schema": (msg("schema"), msg("Schema")),
}


def kind_word(kind: str, *, capital: bool = False) -> str:
    """``table`` / ``Table`` (a message when known) for ``kind`` (``materialized_view`` works too)."""
    kind = kind.replace("_", " ")
    words = _KIND_WORDS.get(kind)
    if words is None:
        return kind.capitalize() if capital else kind
    return words[1] if capital else words[0]
