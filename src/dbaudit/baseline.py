"""Baselines: adopt dbaudit on a legacy project by failing only on findings that are new.

``write_baseline(path, findings)`` records every current finding by its stable fingerprint
(:func:`dbaudit.findings.fingerprint`: rule and main object, never line numbers or wording), with how
many times it occurs, the rule, the objects and the title for a reviewer. ``apply_baseline`` keeps
the findings the baseline does not know: a moved line or a reworded title still matches; a third
occurrence of a finding recorded twice is new. Entries that match nothing any more are reported, so
the file is regenerated once they are fixed.

The file is JSON, sorted, without dates or versions, so it diffs cleanly in review.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbaudit.atomic import write_text_atomic
from dbaudit.errors import UsageError
from dbaudit.findings import Finding, Note
from dbaudit.messages import msg

BASELINE_VERSION = 1


@dataclass(frozen=True)
class Baseline:
    """Fingerprint -> how many findings with it are known."""

    path: str
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BaselineResult:
    new: tuple[Finding, ...]
    known: int
    notes: tuple[Note, ...]


def baseline_document(findings: Iterable[Finding]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    first: dict[str, Finding] = {}
    for f in findings:
        fp = f.fingerprint
        counts[fp] += 1
        first.setdefault(fp, f)
    entries = sorted(
        ({"fingerprint": fp, "rule": f.rule, "objects": list(f.objects), "title": f.title, "count": counts[fp]}
         for fp, f in first.items()),
        key=lambda e: (e["rule"], e["objects"], e["fingerprint"]),
    )
    return {"dbaudit_baseline": BASELINE_VERSION, "findings": entries}


def write_baseline(path: str | Path, findings: Sequence[Finding]) -> None:
    """Write the baseline of ``findings`` to ``path`` (atomically)."""
    text = json.dumps(baseline_document(findings), indent=2, ensure_ascii=False) + "\n"
    try:
        write_text_atomic(Path(path), text)
    except OSError as exc:
        raise UsageError(f"cannot write the baseline {path}: {exc.strerror or exc}") from None


def load_baseline(path: str | Path) -> Baseline:
    """Read a baseline file; a missing or malformed one is a usage error naming the file."""
    where = Path(path)
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"baseline {where} does not exist (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the baseline {where}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"baseline {where} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("dbaudit_baseline") != BASELINE_VERSION:
        raise UsageError(f"baseline {where} is not a dbaudit baseline (version {BASELINE_VERSION})")
    counts: dict[str, int] = {}
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise UsageError(f"baseline {where}: 'findings' must be a list")
    for entry in entries:
        fp = entry.get("fingerprint") if isinstance(entry, dict) else None
        count = entry.get("count", 1) if isinstance(entry, dict) else None
        if not isinstance(fp, str) or not isinstance(count, int) or count < 1:
            raise UsageError(f"baseline {where}: every entry needs a fingerprint and a positive count")
        counts[fp] = counts.get(fp, 0) + count
    return Baseline(str(where), counts)


def apply_baseline(findings: Sequence[Finding], baseline: Baseline) -> BaselineResult:
    """The findings the baseline does not know, how many it knew, and notes about both."""
    left = dict(baseline.counts)
    new: list[Finding] = []
    for f in findings:
        fp = f.fingerprint
        if left.get(fp, 0) > 0:
            left[fp] -= 1
        else:
            new.append(f)
    known = len(findings) - len(new)
    notes = []
    if known:
        notes.append(Note(msg("{known} finding(s) are in the baseline {path} and are not reported",
                              known=known, path=baseline.path)))
    fixed = sum(left.values())
    if fixed:
        notes.append(Note(msg("{fixed} finding(s) of the baseline {path} no longer occur: regenerate it with "
                              "--write-baseline",
                              fixed=fixed, path=baseline.path)))
    return BaselineResult(tuple(new), known, tuple(notes))


__all__ = [
    "BASELINE_VERSION", "Baseline", "BaselineResult", "apply_baseline", "baseline_document", "load_baseline",
    "write_baseline",
]
