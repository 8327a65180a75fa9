"""The data check report: Markdown (English or Chinese, through the phrase catalogue) and JSON.

Pure functions of the results; writing files is the caller's business. The JSON keeps every check
with its counts, sample keys, the planner's estimate and the finding it updated.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from dbaudit.checkdata.checks import CheckOptions
from dbaudit.checkdata.results import CheckResult, Outcome
from dbaudit.findings import Finding
from dbaudit.report.phrases import phrase

FORMAT_VERSION = 1
FORMATS = {"md": "check-data.md", "json": "check-data.json"}
CENTURY_DAYS = 36_525
SECTIONS = (Outcome.CONFIRMED, Outcome.NOT_SEEN, Outcome.SKIPPED, Outcome.MEASURED, Outcome.CLEARED)


def _t(lang: str, key: str, **values: Any) -> str:
    text = phrase(lang, key) or phrase("en", key) or key
    return text.format(**values) if values else text


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else ("-" if value is None else str(value))


def _cell(text: str) -> str:
    """Markdown table cell: pipes escaped, line breaks flattened (a name may hold a newline)."""
    return " ".join(text.replace("|", "\\|").split())


def render_json(results: tuple[CheckResult, ...], findings: tuple[Finding, ...], *, target: str,
                generated_at: datetime, dbaudit_version: str, options: CheckOptions) -> str:
    by_key = {(f.rule, f.objects): f for f in findings}
    document = {
        "dbaudit_version": dbaudit_version,
        "format_version": FORMAT_VERSION,
        "kind": "check-data",
        "generated_at": generated_at.isoformat(),
        "target": target,
        "options": {"full": options.full, "max_cost": options.max_cost, "timeout_s": options.timeout_s,
                    "samples": options.samples, "near_limit_percent": options.near_limit_percent},
        "summary": {o.value: sum(1 for r in results if r.outcome is o) for o in Outcome},
        "checks": [
            {**r.to_json(), "finding": _finding(by_key.get(r.check.key))} for r in results
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


def _finding(finding: Finding | None) -> dict[str, Any] | None:
    if finding is None:
        return None
    return {"severity": finding.severity.name, "title": finding.title,
            "severity_before": dict(finding.data).get("check_data.severity_before")}


def render_markdown(results: tuple[CheckResult, ...], findings: tuple[Finding, ...], *, target: str,
                    generated_at: datetime, options: CheckOptions, lang: str = "en") -> str:
    by_key = {(f.rule, f.objects): f for f in findings}
    counts = {o: sum(1 for r in results if r.outcome is o) for o in Outcome}
    lines = [
        f"# {_t(lang, 'checkdata.title')} - {generated_at.date().isoformat()}",
        "",
        f"> {_t(lang, 'checkdata.target')}: {target}",
        "> " + _t(lang, "checkdata.counts", n=len(results), confirmed=counts[Outcome.CONFIRMED],
                  cleared=counts[Outcome.CLEARED], not_seen=counts[Outcome.NOT_SEEN],
                  measured=counts[Outcome.MEASURED], skipped=counts[Outcome.SKIPPED]),
        "",
        _t(lang, "checkdata.method", timeout=f"{options.timeout_s:g}", max_cost=f"{options.max_cost:,.0f}"),
        "",
    ]
    if not results:
        lines += [_t(lang, "checkdata.none"), ""]
    for outcome in SECTIONS:
        chosen = [r for r in results if r.outcome is outcome]
        if chosen:
            lines += [f"## {_t(lang, f'checkdata.section.{outcome.value}')}", "", *_table(chosen, by_key, lang,
                                                                                      options), ""]
    cleanups = [r for r in results if r.outcome is Outcome.CONFIRMED and r.check.cleanup_sql]
    if cleanups:
        lines += [f"## {_t(lang, 'checkdata.cleanup')}", ""]
        for r in cleanups:
            lines += [f"- `{r.check.rule}` {_cell(', '.join(r.check.objects))}", "", "```sql",
                      str(r.check.cleanup_sql), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _table(results: list[CheckResult], by_key: dict[tuple[str, tuple[str, ...]], Finding], lang: str,
           options: CheckOptions) -> list[str]:
    skipped = results[0].outcome is Outcome.SKIPPED
    last = _t(lang, "checkdata.col.reason") if skipped else _t(lang, "checkdata.col.samples")
    head = [_t(lang, f"checkdata.col.{c}") for c in ("finding", "check", "result", "read", "cost")] + [last]
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in results:
        finding = by_key.get(r.check.key)
        label = f"`{r.check.rule}` {', '.join(r.check.objects[:1])}"
        if finding is not None:
            before = dict(finding.data).get("check_data.severity_before")
            label = f"{finding.severity.name} " + label
            if before:
                label += f" ({_t(lang, 'checkdata.raised', before=before, after=finding.severity.name)})"
        kind = _t(lang, f"checkdata.kind.{r.check.kind}", percent=f"{options.near_limit_percent:g}")
        tail = (r.reason or "") if skipped else "; ".join(r.samples)
        cost = f"{r.cost:,.0f}" if r.cost is not None else "-"
        rows.append("| " + " | ".join(_cell(c) for c in (label, kind, result_text(r, lang), _scope(r, lang), cost,
                                                          tail)) + " |")
    return rows


def _scope(r: CheckResult, lang: str) -> str:
    rows = _n(r.scanned)
    if r.scanned is None:
        return "-"
    if r.sample_percent is None:
        return _t(lang, "checkdata.scope.full", rows=rows)
    return _t(lang, "checkdata.scope.sample", rows=rows, percent=f"{r.sample_percent:.3g}")


def result_text(r: CheckResult, lang: str) -> str:
    """What the check found, in the report's language."""
    if r.outcome is Outcome.SKIPPED:
        return "-"
    d = r.detail
    if r.check.kind == "sequence":
        used = d.get("used_percent")
        if d.get("per_day") is None:
            return _t(lang, "checkdata.measure.sequence_unknown", used=used)
        if d.get("days_left") is None:
            return _t(lang, "checkdata.measure.sequence_flat", used=used)
        source = _t(lang, f"checkdata.rate.{d.get('rate_from')}")
        if _whole(d.get("days_left")) > CENTURY_DAYS:
            return _t(lang, "checkdata.measure.sequence_far", used=used, per_day=_n(_whole(d.get("per_day"))),
                      source=source)
        return _t(lang, "checkdata.measure.sequence", used=used, per_day=_n(_whole(d.get("per_day"))),
                  source=source, days=_n(_whole(d.get("days_left"))))
    if r.check.kind == "partitions-ahead":
        return _t(lang, "checkdata.measure.partitions", newest=d.get("newest"), last_bound=d.get("last_bound"),
                  days=d.get("days_left"))
    if r.check.kind == "values":
        values = ", ".join(f"{v[0]} ({_n(v[1])})" for v in (d.get("values") or [])[:8]
                           if isinstance(v, list) and len(v) == 2)
        text = _t(lang, "checkdata.measure.values", distinct=d.get("distinct"), values=values)
        return text + (f"; {_n(r.problems)}" if r.problems else "")
    if r.sample_percent is not None and r.problems:
        return _t(lang, "checkdata.found_sample", n=_n(r.problems), estimated=_n(r.estimated_problems))
    return _t(lang, "checkdata.found", n=_n(r.problems))


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, int | float) else value


__all__ = ["FORMATS", "FORMAT_VERSION", "render_json", "render_markdown", "result_text"]
