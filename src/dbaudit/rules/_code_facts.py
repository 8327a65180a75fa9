"""Code-scan facts as rules import them (the definitions live in :mod:`dbaudit.model.code_facts`)."""

from dbaudit.model.code_facts import (
    AutoUpdatedColumn,
    CodeFacts,
    ColumnValues,
    CredentialInConfig,
    EncryptedColumn,
    EphemeralKey,
    LatestRowQuery,
    OffsetPagination,
    PartitionTask,
    SearchKind,
    SearchPattern,
    code_facts,
    resolve_table,
)

__all__ = [
    "AutoUpdatedColumn",
    "CodeFacts",
    "ColumnValues",
    "CredentialInConfig",
    "EncryptedColumn",
    "EphemeralKey",
    "LatestRowQuery",
    "OffsetPagination",
    "PartitionTask",
    "SearchKind",
    "SearchPattern",
    "code_facts",
    "resolve_table",
]
