"""The Chinese catalogue covers every template the code writes, with the same placeholders."""

from __future__ import annotations

import ast
import re
import string

import pytest

from dbaudit.messages import _structural, catalogue, placeholders
from dbaudit.messages.zh import ZH
from dbaudit.report.context import registry_rules
from tests.messages.catalogue_scan import SRC, templates, uses

# Texts a Chinese report writes exactly as the English one: catalog facts, SQL and names.
SAME_IN_CHINESE = {
    "schema", "Schema", "enum", "pg_stat_user_indexes.idx_scan = 0", "pg_index.indisvalid = false",
    "pg_constraint.convalidated = false", "{table} PARTITION BY {key}", "{schema}.{index}: UNIQUE ({value})",
    "password_encryption = {value}", "{path}: head {h}", "-- PostgreSQL 14+",
}
# The analyses whose findings a report shows.
ANALYSES = ("rules", "drift", "migrations")


def _needed() -> dict[str, str]:
    """Template -> where it is first used, for every template that needs a translation."""
    return {t: f"{u.path}:{u.line}" for t, u in templates().items() if not _structural(t)}


def _fields(template: str) -> set[str]:
    return set(placeholders(template))


class TestCatalogue:
    def test_templates_are_literals(self) -> None:
        """msg() and sql_comment() get a string literal first, so the catalogue can be checked statically."""
        assert [f"{u.path}:{u.line}" for u in uses() if u.template is None] == []

    def test_placeholders_are_names(self) -> None:
        """Placeholders are plain names: attribute or index lookups would reach into the parameters."""
        bad = [t for t, u in templates().items() if u.has_params
               and any(not re.fullmatch(r"[A-Za-z_]\w*", f) for f in placeholders(t))]
        assert bad == []

    def test_every_template_is_translated(self) -> None:
        """A template the code writes without a Chinese translation fails here (where it is used)."""
        missing = [f"{where}: {t!r}" for t, where in _needed().items() if t not in ZH]
        assert missing == []

    def test_placeholders_match(self) -> None:
        """The translation uses exactly the English template's placeholders."""
        used = templates()
        wrong = [t for t, zh in ZH.items() if t in used and used[t].has_params and _fields(t) != _fields(zh)]
        assert wrong == []

    def test_translations_format(self) -> None:
        """Every parametrised translation formats with the English template's parameters."""
        used = templates()
        for template, zh in ZH.items():
            if template in used and used[template].has_params:
                values = dict.fromkeys(_fields(template), 1)
                assert zh.format(**values)

    def test_no_orphans(self) -> None:
        """Every catalogue entry is used by the code (or is a rule's title): reworded English leaves none."""
        known = set(templates()) | {m.title for m in registry_rules().values()}
        assert sorted(set(ZH) - known) == []

    def test_comments_stay_comments(self) -> None:
        """A translated SQL comment keeps every line a comment and the block's trailing newline, so the
        statements around it are untouched (translations never break a script)."""
        comments = [t for t, u in templates().items() if u.function == "sql_comment"]
        assert comments
        for template in comments:
            zh = ZH[template]
            assert all(line.startswith("--") for line in zh.rstrip("\n").split("\n")), zh
            assert zh.endswith("\n") == template.endswith("\n"), template

    def test_chinese(self) -> None:
        """Translations are Chinese, not English copied over, except catalog facts and SQL terms that a
        Chinese DBA writes in English too."""
        latin_only = {t for t, zh in ZH.items() if not re.search(r"[\u4e00-\u9fff]", zh)}
        assert latin_only - SAME_IN_CHINESE == set()

    def test_rule_titles(self) -> None:
        """Every rule's one-line title (headings, `dbaudit rules --lang zh`) has a translation."""
        assert sorted(m.id for m in registry_rules().values() if m.title not in ZH) == []

    def test_catalogue_is_lazy(self) -> None:
        """English needs no catalogue; an unknown language has an empty one."""
        assert catalogue("en") == {}
        assert catalogue("xx") == {}


class TestFindingsUseMessages:
    @pytest.mark.parametrize("package", ANALYSES)
    def test_no_literal_prose_in_findings(self, package: str) -> None:
        """title/impact/root_cause/evidence of a finding are never a bare (f-)string: always msg() or a value
        built with it, so every rule's text reaches the catalogue."""
        offenders = []
        for path in sorted((SRC / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                for kw in node.keywords:
                    if kw.arg not in ("title", "impact", "root_cause", "evidence"):
                        continue
                    values = kw.value.elts if isinstance(kw.value, ast.List | ast.Tuple) else [kw.value]
                    offenders += [f"{path.relative_to(SRC)}:{v.lineno}" for v in values if _prose(v)]
        assert offenders == []


def _prose(node: ast.expr) -> bool:
    """A string literal or f-string with words in it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    else:
        return False
    return bool(re.search(r"[A-Za-z]{2,}", "".join(p[0] for p in string.Formatter().parse(text.replace("{", "{{")))))
