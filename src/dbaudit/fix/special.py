"""Fixes written from the data rather than taken from the rule: CHECK constraints from the values in use.

``status-without-check`` gives a fix only when the models or the code show the allowed values. With
the data check's list of the values actually stored (read in full, read-only), ``fix`` writes the
CHECK that accepts exactly those (plus any the models or code use): ``NOT VALID`` then ``VALIDATE``,
so it never fails on existing rows and never blocks writes. A column with more distinct values than a
closed set has is left alone, with the reason.
"""

from __future__ import annotations

from dbaudit.checkdata.results import CheckResult, Outcome
from dbaudit.findings import Finding
from dbaudit.fix.steps import Unsupported
from dbaudit.model.schema import SchemaModel
from dbaudit.rules._indexing import bounded_name
from dbaudit.sqltext import ident, literal, qualified

MAX_CLOSED_VALUES = 20


def values_check_sql(finding: Finding, model: SchemaModel, result: CheckResult | None) -> str:
    """``ADD CONSTRAINT … CHECK (col IN (values in use)) NOT VALID`` and its ``VALIDATE``."""
    data = dict(finding.data)
    table = model.table(str(data.get("table")))
    column = data.get("column")
    if table is None or not isinstance(column, str):
        raise Unsupported("the finding names no table and column")
    if result is None or result.outcome is Outcome.SKIPPED or result.sample_percent is not None:
        reason = result.reason if result is not None and result.reason else "the values in use were not read in full"
        raise Unsupported(f"values in use unknown: {reason}")
    distinct = int(result.detail.get("distinct") or 0)
    if distinct > MAX_CLOSED_VALUES:
        raise Unsupported(f"{distinct} distinct values in use: not a closed set a CHECK should freeze")
    used = [str(v[0]) for v in result.detail.get("values") or [] if isinstance(v, list) and v and v[0] is not None]
    known = [str(v) for v in data.get("values") or ()]
    allowed = sorted(set(used) | set(known))
    if not allowed:
        raise Unsupported("no value is in use yet: nothing to base a CHECK on")
    taken = {c.name for c in table.checks} | {f.name for f in table.foreign_keys} | {u.name for u in table.uniques}
    name = bounded_name(f"{table.name}_{column}_check")
    suffix = 2
    while name in taken:
        name = bounded_name(f"{table.name}_{column}_check{suffix}")
        suffix += 1
    target = qualified(table.schema, table.name)
    values = ", ".join(literal(v) for v in allowed)
    return (f"ALTER TABLE {target} ADD CONSTRAINT {ident(name)} CHECK ({ident(column)} IN ({values})) NOT VALID;\n"
            f"ALTER TABLE {target} VALIDATE CONSTRAINT {ident(name)};")


__all__ = ["MAX_CLOSED_VALUES", "values_check_sql"]
