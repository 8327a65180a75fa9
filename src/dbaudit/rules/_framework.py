"""Which application framework a schema belongs to, from the bookkeeping tables it creates.

Rules use it where a framework settles a question the schema alone cannot: ActiveRecord sets
``updated_at`` on every save, Devise's ``encrypted_password`` is a bcrypt hash, Django's
``auth_user.password`` a hasher's string.
"""

from __future__ import annotations

from typing import Literal

from dbaudit.model.schema import SchemaModel

Framework = Literal["rails", "django"]


def framework(model: SchemaModel) -> Framework | None:
    """``rails`` (ActiveRecord's ``schema_migrations`` and ``ar_internal_metadata``), ``django``
    (``django_migrations``), or None."""
    names = {t.name for t in model.tables}
    if {"schema_migrations", "ar_internal_metadata"} <= names:
        return "rails"
    if "django_migrations" in names:
        return "django"
    return None
