"""What every writer knows about the run besides its findings: version, paths, rules, anchors, notes."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from dbaudit.findings import Finding, Note, unique_fingerprints
from dbaudit.model.schema import Location
from dbaudit.output.paths import PathMapper
from dbaudit.report.context import DOCS_RULES_PATH, RuleMeta, registry_rules

DOCS_URL_ENV = "DBAUDIT_DOCS_URL"
# Where a finding on a live database points when nothing declares its object (GitHub code scanning
# rejects a whole SARIF log when one result has no file): a path that names the object.
PLACEHOLDER_DIR = ".dbaudit/database"


def default_docs_base() -> str | None:
    """Base URL of the rule documentation: ``DBAUDIT_DOCS_URL``, else the package's ``Documentation``
    project URL (``docs/rules/<id>.md`` is appended to either)."""
    configured = os.environ.get(DOCS_URL_ENV)
    if configured:
        return configured
    from importlib.metadata import PackageNotFoundError, metadata  # noqa: PLC0415

    try:
        urls: list[str] = metadata("dbaudit").get_all("Project-URL") or []
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation" and url.strip():
            return url.strip()
    return None


@dataclass(frozen=True)
class RunInfo:
    """The run around the findings.

    ``paths`` rewrites location paths (relative to the repository root for CI); ``declared`` says
    where the models or migrations declare an object, for findings without a file:line of their own;
    ``target`` is the audited file, the next anchor; ``object_kind`` names what an object is (table,
    column, index...) for SARIF logical locations; ``ids`` are the findings' ids when the command
    already numbered them (an audit's JSON ids), in the order of the findings written.
    """

    tool_version: str
    command: str = "audit"
    paths: PathMapper = field(default_factory=PathMapper)
    rules: Mapping[str, RuleMeta] | None = None
    docs_base_uri: str | None = None
    notes: tuple[Note, ...] = ()
    declared: Mapping[str, Location] = field(default_factory=dict)
    target: str | None = None
    object_kind: Callable[[str], str] | None = None
    ids: tuple[str, ...] | None = None

    def finding_ids(self, findings: Sequence[Finding]) -> list[str]:
        """One unique, stable id per finding: the command's own, else :func:`unique_fingerprints`."""
        if self.ids is not None and len(self.ids) == len(findings):
            return list(self.ids)
        return unique_fingerprints(findings)

    @cached_property
    def catalogue(self) -> Mapping[str, RuleMeta]:
        return self.rules if self.rules is not None else registry_rules()

    def rule(self, finding: Finding) -> RuleMeta:
        """The rule's catalogue entry, or one made from what its finding says."""
        known = self.catalogue.get(finding.rule)
        if known is not None:
            return known
        return RuleMeta(
            id=finding.rule, title=finding.rule.replace("-", " ").capitalize(), category=finding.category,
            severity=finding.severity, rationale="", doc="", help_path=DOCS_RULES_PATH.format(id=finding.rule),
        )

    def help_uri(self, rule: RuleMeta) -> str | None:
        return self.docs_base_uri.rstrip("/") + "/" + rule.help_path if self.docs_base_uri else None

    def anchor(self, finding: Finding) -> Location | None:
        """Where a finding is shown: its first location, else where the models or migrations declare
        its object (or the object's table), else the audited file; paths already mapped."""
        loc = finding.locations[0] if finding.locations else self._declared(finding)
        if loc is None and self.target and "://" not in self.target and self.target.endswith((".sql", ".json")):
            loc = Location(self.target, 0)
        return Location(self.paths(loc.path), loc.line) if loc is not None else None

    def _declared(self, finding: Finding) -> Location | None:
        for obj in finding.objects:
            for name in (obj, obj.rpartition(".")[0]):
                loc = self.declared.get(name)
                if loc is not None:
                    return loc
        return None

    def placeholder(self, finding: Finding) -> Location:
        """The last resort of formats that need a path: one naming the object."""
        return Location(f"{PLACEHOLDER_DIR}/{finding.objects[0] if finding.objects else finding.rule}", 0)


def message(finding: Finding) -> str:
    """The finding in one paragraph: title then evidence, each ending with a full stop."""
    text = finding.title.rstrip(".") + "."
    if finding.evidence:
        text += " " + " ".join(e.rstrip(".") + "." for e in finding.evidence)
    return text


def one_line(text: str) -> str:
    return " ".join(text.split())


__all__ = ["DOCS_URL_ENV", "PLACEHOLDER_DIR", "RunInfo", "default_docs_base", "message", "one_line"]
