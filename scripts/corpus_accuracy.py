"""Findings by rule and precision of a judged random sample, per corpus schema (docs/accuracy.md).

    python scripts/corpus_accuracy.py [--sample 30] [--seed after] [--findings-dir DIR] [--show]

Loads each tests/corpus schema (committed there; DBAUDIT_CORPUS_DIR overrides) on a throw-away
database (DBAUDIT_SCRATCH_URL or an embedded PostgreSQL), runs every rule, prints the findings per
rule and severity, draws a seeded random sample of findings (all severities) and scores it against
tests/corpus/<name>/judgements.toml: precision = judged true / judged. Unjudged sampled findings are
listed (``--show`` prints their evidence) so they can be judged and added. ``--findings-dir`` reads
``<name>.json`` lists of findings (the JSON contract) instead, to score an earlier run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.corpus.corpus import Entry, entries, judgements, missing_file


def _findings(entry: Entry, findings_dir: Path | None) -> list[dict[str, Any]]:
    if findings_dir is not None:
        loaded: list[dict[str, Any]] = json.loads((findings_dir / f"{entry.name}.json").read_text())
        return loaded
    from dbaudit.engine import run_rules  # noqa: PLC0415
    from dbaudit.rules import RuleContext  # noqa: PLC0415
    from dbaudit.sources.ddl import read_sql_file  # noqa: PLC0415

    return [f.to_json() for f in run_rules(RuleContext(read_sql_file(entry.path))).findings]


def report(entry: Entry, found: list[dict[str, Any]], *, sample: int, seed: str, show: bool) -> None:
    found = sorted(found, key=lambda f: (f["rule"], f["objects"]))
    by_rule = Counter((f["rule"], f["severity"]) for f in found)
    print(f"## {entry.name}: {len(found)} findings "
          f"({', '.join(f'{s} {n}' for s, n in sorted(Counter(f['severity'] for f in found).items()))})")
    for (rule, severity), n in sorted(by_rule.items()):
        print(f"  {rule:40} {severity} {n}")
    drawn = random.Random(f"{entry.name}:{seed}").sample(found, min(sample, len(found)))
    verdicts = judgements(entry.name)
    true = false = 0
    for f in drawn:
        match = [j for j in verdicts if j.rule == f["rule"] and j.object in f["objects"]
                 and (j.severity is None or j.severity == f["severity"])]
        verdict = match[0].verdict if match else None
        true += verdict == "true"
        false += verdict == "false"
        if verdict is None or show:
            print(f"  [{verdict or 'UNJUDGED'}] {f['severity']} {f['rule']} {f['objects'][0]}: {f['title']}")
            if show:
                print("      " + " / ".join(f["evidence"])[:500])
    judged = true + false
    precision = f"{100 * true / judged:.1f}%" if judged else "n/a"
    print(f"  sample {len(drawn)} (seed {seed!r}): judged {judged}, true {true}, false {false}, "
          f"precision {precision}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", default="after")
    parser.add_argument("--findings-dir", type=Path)
    parser.add_argument("--show", action="store_true")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    for entry in entries():
        if args.names and entry.name not in args.names:
            continue
        problem = None if args.findings_dir else missing_file(entry)
        if problem:
            print(f"## {entry.name}: skipped, {problem}")
            continue
        report(entry, _findings(entry, args.findings_dir), sample=args.sample, seed=args.seed, show=args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
