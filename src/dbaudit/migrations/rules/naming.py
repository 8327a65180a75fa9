"""Rules about the names migrations give to new objects."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pglast import ast

from dbaudit.findings import Finding, Severity
from dbaudit.migrations.rules._common import location, statement_evidence
from dbaudit.migrations.rules.registry import migration_rule
from dbaudit.migrations.sqlfacts import walk
from dbaudit.migrations.state import AnalyzedRevision
from dbaudit.sqltext import truncate_identifier

NAME_LIMIT = 63  # NAMEDATALEN - 1 bytes
# A run of characters that could be a name of more than 63 bytes (ASCII needs 64 of them, CJK 22);
# statements without one are not walked.
_LONG_RUN = re.compile(r"[^\s,;()'.=]{22,}")
_DEFINES = (ast.CreateStmt, ast.AlterTableStmt, ast.IndexStmt, ast.RenameStmt, ast.ViewStmt, ast.CreateSeqStmt,
            ast.CreateTrigStmt, ast.CreateFunctionStmt, ast.CreateEnumStmt, ast.CreateSchemaStmt,
            ast.CreateTableAsStmt, ast.CompositeTypeStmt, ast.CreateDomainStmt)


def defined_names(node: Any) -> list[str]:
    """Names the statement gives to new objects: tables, columns, constraints, indexes, views..."""
    out: list[str] = []
    if isinstance(node, ast.RenameStmt):
        return [node.newname] if node.newname else []
    for n in walk(node):
        if isinstance(n, ast.ColumnDef) and n.colname:
            out.append(n.colname)
        elif isinstance(n, ast.Constraint) and n.conname:
            out.append(n.conname)
        elif isinstance(n, ast.IndexStmt) and n.idxname:
            out.append(n.idxname)
        elif isinstance(n, ast.CreateTrigStmt) and n.trigname:
            out.append(n.trigname)
        elif isinstance(n, ast.CreateSchemaStmt) and n.schemaname:
            out.append(n.schemaname)
        elif isinstance(n, ast.CreateFunctionStmt | ast.CreateEnumStmt):
            names: Any = n.funcname if isinstance(n, ast.CreateFunctionStmt) else n.typeName
            out.append(names[-1].sval)
    created = _created_relation(node)
    if created:
        out.insert(0, created)
    return out


def _created_relation(node: Any) -> str | None:
    attribute = {ast.CreateStmt: "relation", ast.CreateSeqStmt: "sequence", ast.ViewStmt: "view",
                 ast.CompositeTypeStmt: "typevar"}.get(type(node))
    rv: Any = getattr(node, attribute) if attribute else None
    if isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        rv = node.into.rel
    return str(rv.relname) if rv is not None else None


@migration_rule("identifier-too-long", severity=Severity.P2, fix="never")
def identifier_too_long(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A name longer than 63 bytes is silently truncated by PostgreSQL.

    ## What it does
    Flags a table, column, constraint, index, view, sequence, trigger, function, type or schema name
    created (or given by `RENAME`) whose UTF-8 encoding is longer than 63 bytes, PostgreSQL's limit.
    A name of 22 Chinese characters is already 66 bytes.

    ## Why is this bad?
    PostgreSQL cuts the name to 63 bytes with only a NOTICE. The object then has another name than
    the one the models, the code and the next migration use (`op.drop_constraint("...")` fails,
    autogenerate reports a difference every time), and two long names sharing their first 63 bytes
    collide.

    ## Example
    ```sql
    CREATE INDEX ix_customer_subscription_billing_period_started_at_and_status_code
        ON subscriptions (started_at, status);
    ```

    ## Use instead
    ```sql
    CREATE INDEX ix_subscriptions_started_status ON subscriptions (started_at, status);
    ```
    """
    for fact in rev.facts:
        node = fact.statement.node
        if not isinstance(node, _DEFINES) or not _LONG_RUN.search(fact.statement.sql):
            continue
        long = [n for n in dict.fromkeys(defined_names(node)) if len(n.encode()) > NAME_LIMIT]
        for name in long:
            cut = truncate_identifier(name, NAME_LIMIT)
            yield identifier_too_long.finding(
                objects=[name],
                title=f"Name of {len(name.encode())} bytes is truncated to 63: {cut}",
                evidence=[statement_evidence(rev.revision, fact), f"PostgreSQL stores it as {cut!r}"],
                impact="The object's real name differs from the one the code and later migrations use.",
                root_cause="PostgreSQL identifiers are limited to 63 bytes (NAMEDATALEN - 1) and cut silently.",
                locations=[location(rev.revision, fact)],
            )
