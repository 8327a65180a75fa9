"""Rule selectors checked against the whole catalogue, in one place.

A selector (in ``select``, ``extend-select``, ``ignore``, a ``severity`` key, the ``rules`` of a
per-object or per-file suppression, on the command line or in a configuration file) names a rule id, a category
or ``ALL``. A selector that names nothing is a typo that would silently switch a CI gate off
(``--select fk-mising`` runs no rule and exits 0), so it is an error (exit code 2) wherever it is
written. The catalogue is every rule a run can report: schema rules, drift rules, migration rules,
and the rules of the configured ``plugins``.

- :func:`catalogue` is that catalogue (``dbaudit rules`` lists it);
- :func:`check_selectors` raises :class:`~dbaudit.errors.UsageError` for the first unknown selector,
  naming where it was written and the closest known name;
- :func:`validate_config` checks every selector of a :class:`~dbaudit.config.Config`;
- :func:`command_config` is what a command runs with: the configuration file, the command-line
  selection over it, every selector checked.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from dbaudit.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from dbaudit.config import Config, Lang
    from dbaudit.findings import Severity
    from dbaudit.rules.registry import RuleRegistry

ALL = "ALL"


def catalogue() -> RuleRegistry:
    """Every documented rule: schema rules, drift rules, then migration rules (a fresh registry).

    Rules registered by plugins already imported (:func:`dbaudit.engine.load_plugins`) are included.
    """
    import dbaudit.rules  # noqa: PLC0415 - registers the schema rules
    from dbaudit.rules.registry import REGISTRY, RuleRegistry  # noqa: PLC0415

    with contextlib.suppress(ImportError):
        import dbaudit.drift.rules  # noqa: F401, PLC0415 - registers the drift rules
    out = RuleRegistry()
    for rule_ in REGISTRY:
        out.add(rule_)
    with contextlib.suppress(ImportError):
        from dbaudit.migrations.rules.registry import as_catalogue_rules  # noqa: PLC0415

        for rule_ in as_catalogue_rules():
            if rule_.id not in out:
                out.add(rule_)
    return out


def known_selectors(registry: RuleRegistry | None = None) -> list[str]:
    """``ALL``, every category and every rule id of ``registry`` (default: the whole catalogue)."""
    registry = registry if registry is not None else catalogue()
    return [ALL, *registry.categories, *(r.id for r in registry)]


def unknown_selector(selector: str, known: Iterable[str], where: str) -> UsageError:
    """The error for a selector that names no rule: where it was written, and the closest name."""
    close = difflib.get_close_matches(selector, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return UsageError(f"unknown rule or category {selector!r} in {where}{hint}; "
                      "`dbaudit rules` lists them")


def check_selectors(selectors: Iterable[str], *, where: str, known: Iterable[str] | None = None) -> None:
    """Raise :class:`UsageError` for the first selector that is not ``ALL``, a category or a rule id.

    ``where`` names the place the selectors were written (``--select``, ``select in dbaudit.toml``).
    """
    names = set(known) if known is not None else set(known_selectors())
    for selector in selectors:
        if selector not in names:
            raise unknown_selector(selector, sorted(names), where)


def validate_config(config: Config, *, where: str | None = None) -> Config:
    """``config`` unchanged when every selector it holds names a rule; its plugins are imported first
    (their rules are selectable). Errors name the key and the file (or ``where``)."""
    from dbaudit.engine import load_plugins  # noqa: PLC0415 - the engine imports the rules

    load_plugins(config)
    known = known_selectors()
    origin = where or (str(config.path) if config.path else "the configuration")
    fields: list[tuple[str, Iterable[str]]] = [
        ("select", config.select),
        ("extend-select", config.extend_select),
        ("ignore", config.ignore),
        ("severity", (key for key, _ in config.severity)),
        ("per-object-ignores", (r for entry in config.per_object_ignores for r in entry.rules)),
        ("per-file-ignores", (r for entry in config.per_file_ignores for r in entry.rules)),
    ]
    for key, selectors in fields:
        check_selectors(selectors, where=f"{key} of {origin}", known=known)
    return config


def command_config(
    config_path: str | None,
    *,
    start_dir: str | Path = ".",
    select: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    fail_on: Severity | str | None = None,
    lang: Lang | None = None,
    app_role: str | None = None,
    tenant_dedupe: bool | None = None,
) -> Config:
    """The configuration a command runs with: the file (``config_path`` or the nearest one found from
    ``start_dir``), then the command line over it (see :meth:`Config.merged`). Every selector, from
    the file or the command line, must name a rule (:class:`UsageError` otherwise)."""
    from dbaudit.config import load_config, split_selectors  # noqa: PLC0415

    config = validate_config(load_config(config_path, start_dir=start_dir))
    cli = {option: None if values is None else split_selectors(values)
           for option, values in (("--select", select), ("--extend-select", extend_select), ("--ignore", ignore))}
    known = known_selectors()
    for option, values in cli.items():
        check_selectors(values or (), where=option, known=known)
    return config.merged(select=cli["--select"], extend_select=cli["--extend-select"], ignore=cli["--ignore"],
                         fail_on=fail_on, lang=lang, app_role=app_role, tenant_dedupe=tenant_dedupe)


__all__ = ["catalogue", "check_selectors", "command_config", "known_selectors", "unknown_selector",
           "validate_config"]
