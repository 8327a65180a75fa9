"""Rules about the names migrations give to new objects."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pglast import ast

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg
from dbaudit.migrations.rules._common import location, statement_evidence
from dbaudit.migrations.rules.registry import migration_rule
from dbaudit.migrations.state import AnalyzedRevision
from dbaudit.sqltext import truncate_identifier

NAME_LIMIT = 63  # NAMEDATALEN - 1 bytes
# A run of characters that could be a name of more than 63 bytes (ASCII needs 64 of them, CJK 22);
# statements without one are not walked.
_LONG_RUN = re.compile(r"[^\s,;()'.=]{22,}")
_DEFINES = (ast.CreateStmt, ast.AlterTableStmt, ast.DropStmt, ast.IndexStmt, ast.RenameStmt, ast.ViewStmt,
            ast.CreateSeqStmt, ast.CreateTrigStmt, ast.CreateFunctionStmt, ast.CreateEnumStmt, ast.CreateSchemaStmt,
            ast.CreateTableAsStmt, ast.CompositeTypeStmt, ast.CreateDomainStmt)


def long_identifiers(sql: str) -> list[str]:
    """Identifiers of more than 63 bytes as written in ``sql`` (quotes removed).

    Read from the tokens, not the parse tree: PostgreSQL's lexer has already cut them in the tree.
    """
    from pglast import parser  # noqa: PLC0415

    out = []
    for token in parser.scan(sql):
        if token.name != "IDENT":
            continue
        text = sql[token.start:token.end + 1]
        name = text[1:-1].replace('""', '"') if text.startswith('"') else text.lower()
        if len(name.encode()) > NAME_LIMIT and name not in out:
            out.append(name)
    return out


@migration_rule("identifier-too-long", severity=Severity.P2, fix="never")
def identifier_too_long(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A name longer than 63 bytes is silently truncated by PostgreSQL.

    ## What it does
    Flags an identifier longer than 63 bytes (PostgreSQL's limit, in UTF-8) in a statement that
    creates or alters objects: a table, column, constraint, index, view, sequence, trigger, function,
    type or schema name. A name of 22 Chinese characters is already 66 bytes.

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
        for name in long_identifiers(fact.statement.sql):
            cut = truncate_identifier(name, NAME_LIMIT)
            yield identifier_too_long.finding(
                objects=[name],
                title=msg("Name of {n_encode} bytes is truncated to 63: {cut}", n_encode=len(name.encode()), cut=cut),
                evidence=[statement_evidence(rev.revision, fact), msg("PostgreSQL stores it as {cut!r}", cut=cut)],
                impact=msg("The object's real name differs from the one the code and later migrations use."),
                root_cause=msg("PostgreSQL identifiers are limited to 63 bytes (NAMEDATALEN - 1) and cut silently."),
                locations=[location(rev.revision, fact)],
            )
