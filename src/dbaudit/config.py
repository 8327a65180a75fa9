"""Project configuration: ``[tool.dbaudit]`` in ``pyproject.toml`` or the top level of ``dbaudit.toml``.

Every option is documented on :class:`Config` (default and a TOML example) and in
``docs/configuration.md``. Unknown keys are errors naming the key and the file, and database URLs are
refused: configuration names the *environment variable* that holds a URL (``url-env``), never the URL,
so a committed file cannot leak a password.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from dbaudit.errors import UsageError
from dbaudit.findings import Severity

Lang = Literal["en", "zh"]
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class ObjectIgnore:
    """One per-object suppression: objects matching ``patterns`` are silenced for ``rules``.

    A pattern is an ``fnmatch`` glob over object names (``public.*_history``,
    ``audit.events.legacy_*``); a column object also matches through its table (``public.t`` silences
    ``public.t.c``). ``rules`` are selectors (ids, categories or ``ALL``). ``reason`` is mandatory.
    """

    patterns: tuple[str, ...]
    rules: tuple[str, ...]
    reason: str

    @property
    def label(self) -> str:
        return f"{', '.join(self.patterns)} -> {', '.join(self.rules)}"


@dataclass(frozen=True)
class HouseConfig:
    """``[tool.dbaudit.house]``: the team's conventions. Every house rule is a no-op until configured.

    - ``required-columns`` (default ``[]``): columns every base table must have.
      ``required-columns = ["created_at", "updated_at"]``
    - ``pk-type`` (default ``[]``): allowed primary-key column types (``bigint``, ``uuid``, ``integer``;
      ``"identity"`` additionally requires an identity column). ``pk-type = ["bigint", "uuid"]``
    - ``table-name-pattern``, ``column-name-pattern``, ``index-name-pattern``,
      ``constraint-name-pattern`` (default unset): regular expressions names must match in full.
      ``table-name-pattern = "^[a-z][a-z0-9_]*$"``
    - ``timestamps-trigger`` (default ``false``): tables with an ``updated-at-column`` must have a
      BEFORE UPDATE row trigger. ``timestamps-trigger = true``
    - ``updated-at-column`` (default ``"updated_at"``): the column the trigger maintains.
    """

    required_columns: tuple[str, ...] = ()
    pk_types: tuple[str, ...] = ()
    table_name_pattern: str | None = None
    column_name_pattern: str | None = None
    index_name_pattern: str | None = None
    constraint_name_pattern: str | None = None
    timestamps_trigger: bool = False
    updated_at_column: str = "updated_at"

    def rule_options(self) -> dict[str, dict[str, Any]]:
        """The house rules' options as :class:`~dbaudit.rules.registry.RuleContext` expects them."""
        patterns = {
            kind: value
            for kind, value in (
                ("table", self.table_name_pattern),
                ("column", self.column_name_pattern),
                ("index", self.index_name_pattern),
                ("constraint", self.constraint_name_pattern),
            )
            if value is not None
        }
        return {
            "house-required-columns": {"columns": list(self.required_columns)},
            "house-pk-type": {"types": list(self.pk_types)},
            "house-naming-pattern": {"patterns": patterns},
            "house-timestamps-trigger": {
                "enabled": self.timestamps_trigger, "column": self.updated_at_column,
            },
        }


@dataclass(frozen=True)
class DocsConfig:
    """``[tool.dbaudit.docs]``: how ``dbaudit docs`` groups tables into pages.

    - ``group-by`` (default unset: domains when configured, else schemas, else name prefixes):
      ``"config"``, ``"schema"`` or ``"prefix"``. ``group-by = "schema"``
    - ``domains`` (default ``{}``): page name -> globs over table names (bare or ``schema.table``), in
      page order; unmatched tables go to "other". ``domains = { Accounts = ["account_*", "users"] }``
    """

    group_by: str | None = None
    domains: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Config:
    """dbaudit's configuration. TOML keys are kebab-case versions of these fields.

    - ``select`` (default ``["ALL"]``): rules to run, by id, category or ``ALL`` (stable rules only;
      a preview rule runs only when selected by its id). ``select = ["integrity", "fk-without-index"]``
    - ``extend-select`` (default ``[]``): added to ``select``, e.g. for preview or house rules.
      ``extend-select = ["house"]``
    - ``ignore`` (default ``[]``): rules not to run. The most specific selector wins (an id beats a
      category beats ``ALL``); on a tie, ``ignore`` wins. ``ignore = ["char-type"]``
    - ``severity`` (default ``{}``): severity overrides by rule id or category.
      ``severity = { "fk-missing" = "P0", naming = "P2" }``
    - ``per-object-ignores`` (default ``{}``): glob over object names -> rules and a mandatory
      reason, as a table ``"public.*_history" = { rules = ["fk-without-index"], reason = "archive" }``
      or an array of tables ``[[tool.dbaudit.per-object-ignores]] objects = [...] rules = [...]
      reason = "..."``. A suppression that silences nothing is reported as ``unused-suppression``.
    - ``per-file-ignores`` (default ``{}``): glob over the file a finding points at (its first
      location: a migration, a model, a scanned code file, as the report spells it: relative to the
      migrations directory, the models' project or the scanned code) -> rules and a mandatory reason,
      in the same two shapes: ``"migrations/versions/2019_*.py" = { rules = ["missing-downgrade"],
      reason = "history before the squash" }`` or ``[[tool.dbaudit.per-file-ignores]] paths = [...]``.
      A pattern without a leading ``/`` also matches a tail of whole directories (``versions/*.py``
      matches ``migrations/versions/x.py``), as in ``.gitignore``.
    - ``fail-on`` (default ``"P1"``): exit code 1 when a finding is at or above this severity.
      ``fail-on = "P0"``
    - ``lang`` (default ``"en"``): report language, ``en`` or ``zh``. ``lang = "zh"``
    - ``url-env`` (default unset): environment variable holding the database URL.
      ``url-env = "DATABASE_URL"``
    - ``scratch-url-env`` (default unset): environment variable holding the throw-away server URL.
    - ``house`` (see :class:`HouseConfig`): ``[tool.dbaudit.house]``.
    - ``rule-options`` (default ``{}``): per-rule options by rule id, read by rules through
      ``RuleContext.option``. ``[tool.dbaudit.rule-options.fk-missing] ignore-columns = ["external_id"]``
    - ``plugins`` (default ``[]``): modules imported before the rules run, so that the team's own
      ``@rule`` functions register. ``plugins = ["myproject.dbaudit_rules"]``
    - ``docs`` (see :class:`DocsConfig`): ``[tool.dbaudit.docs]``.
    - ``app-role`` (default unset): the role the application connects as; the security rules judge
      ownership and privileges from its point of view. ``app-role = "app"``
    - ``tenant-dedupe`` (default ``true``): when at least ``tenant-min-schemas`` schemas share one
      structure (schema-per-tenant), the audit checks that structure once, states its findings for all
      those schemas and reports the schemas that deviate from it (``tenant-schema-deviation``).
      ``tenant-dedupe = false`` audits every schema on its own. ``tenant-dedupe = false``
    - ``tenant-min-schemas`` (default ``3``): how many schemas must share a structure to be treated as
      tenants. ``tenant-min-schemas = 10``
    """

    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    per_object_ignores: tuple[ObjectIgnore, ...] = ()
    per_file_ignores: tuple[ObjectIgnore, ...] = ()
    fail_on: Severity = Severity.P1
    lang: Lang = "en"
    url_env: str | None = None
    scratch_url_env: str | None = None
    house: HouseConfig = field(default_factory=HouseConfig)
    rule_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    plugins: tuple[str, ...] = ()
    docs: DocsConfig = field(default_factory=DocsConfig)
    app_role: str | None = None
    tenant_dedupe: bool = True
    tenant_min_schemas: int = 3
    path: str | None = None

    @property
    def severity_overrides(self) -> dict[str, Severity]:
        return dict(self.severity)

    def options(self) -> dict[str, dict[str, Any]]:
        """Per-rule options for ``RuleContext.options``: house settings plus ``rule-options``."""
        out = self.house.rule_options()
        for rule_id, pairs in self.rule_options:
            out.setdefault(rule_id, {}).update(dict(pairs))
        return out

    def merged(
        self,
        *,
        select: Iterable[str] | None = None,
        extend_select: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None,
        fail_on: Severity | str | None = None,
        lang: Lang | None = None,
        app_role: str | None = None,
        tenant_dedupe: bool | None = None,
    ) -> Config:
        """Command-line options over the file: ``--select`` and ``--fail-on`` replace,
        ``--extend-select`` and ``--ignore`` add."""
        changes: dict[str, Any] = {}
        if select is not None and tuple(select):
            changes["select"] = split_selectors(select)
        if extend_select is not None:
            changes["extend_select"] = self.extend_select + split_selectors(extend_select)
        if ignore is not None:
            changes["ignore"] = self.ignore + split_selectors(ignore)
        if fail_on is not None:
            changes["fail_on"] = fail_on if isinstance(fail_on, Severity) else _severity(fail_on, "--fail-on")
        if lang is not None:
            changes["lang"] = lang
        if app_role:
            changes["app_role"] = app_role
        if tenant_dedupe is not None:
            changes["tenant_dedupe"] = tenant_dedupe
        return replace(self, **changes)


def split_selectors(values: Iterable[str]) -> tuple[str, ...]:
    """Accept repeated options and comma-separated lists alike (``--select a,b --select c``)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())



def _severity(text: str, where: str) -> Severity:
    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None


# --------------------------------------------------------------------------------------------------
# Loading

_TOP_KEYS = (
    "select", "extend-select", "ignore", "severity", "per-object-ignores", "per-file-ignores", "fail-on", "lang",
    "url-env", "scratch-url-env", "house", "rule-options", "plugins", "docs", "app-role", "tenant-dedupe",
    "tenant-min-schemas",
    *("databases", "serve"),  # read by dbaudit.verify (verify, serve); URLs refused here too
)
_HOUSE_KEYS = (
    "required-columns", "pk-type", "table-name-pattern", "column-name-pattern", "index-name-pattern",
    "constraint-name-pattern", "timestamps-trigger", "updated-at-column",
)


class _Reader:
    """Validates one file's table; every error names the key and the file."""

    def __init__(self, path: Path, section: str) -> None:
        self.path = path
        self.section = section

    def fail(self, message: str) -> UsageError:
        return UsageError(f"{self.path}: {message}")

    def check_keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.fail(f"unknown key {key!r} in [{where}]{hint}")

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{key} must be a list of strings")
        return tuple(value)

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(f"{key} must be a string")
        return value

    def pattern(self, value: Any, key: str) -> str:
        text = self.string(value, key)
        try:
            re.compile(text)
        except re.error as exc:
            raise self.fail(f"{key} is not a valid regular expression: {exc}") from None
        return text

    def env_name(self, value: Any, key: str) -> str:
        text = self.string(value, key)
        if not _ENV_NAME.match(text):
            raise self.fail(f"{key} must name an environment variable (e.g. \"DATABASE_URL\")")
        return text


def _reject_urls(value: Any, reader: _Reader, key: str) -> None:
    """Refuse database URLs anywhere in the file, without ever echoing the value (it may hold a password)."""
    if isinstance(value, str) and _URL.match(value.strip()):
        raise reader.fail(
            f"{key} holds a URL: database URLs are not allowed in configuration; "
            'name an environment variable instead (url-env = "DATABASE_URL")'
        )
    if isinstance(value, Mapping):
        for sub, item in value.items():
            if _URL.match(str(sub).strip()):
                raise reader.fail(f"a key under {key} is a URL: database URLs are not allowed in configuration")
            _reject_urls(item, reader, f"{key}.{sub}")
    elif isinstance(value, list):
        for item in value:
            _reject_urls(item, reader, key)


def _object_ignores(
    value: Any, reader: _Reader, key: str = "per-object-ignores", listed: str = "objects",
) -> tuple[ObjectIgnore, ...]:
    """``per-object-ignores`` (globs over object names, listed as ``objects``) or ``per-file-ignores``
    (globs over file paths, listed as ``paths``): a table of pattern -> {rules, reason}, or an array
    of tables."""
    entries: list[tuple[tuple[str, ...], Mapping[str, Any]]] = []
    if isinstance(value, Mapping):
        for pattern, spec in value.items():
            if isinstance(spec, list):
                raise reader.fail(
                    f'{key}."{pattern}" needs a reason: use {{ rules = [...], reason = "..." }}'
                )
            if not isinstance(spec, Mapping):
                raise reader.fail(f'{key}."{pattern}" must be a table {{ rules = [...], reason = "..." }}')
            reader.check_keys(spec, ("rules", "reason"), f'{key}."{pattern}"')
            entries.append(((pattern,), spec))
    elif isinstance(value, list):
        for spec in value:
            if not isinstance(spec, Mapping):
                raise reader.fail(f"{key} entries must be tables with {listed}, rules and reason")
            reader.check_keys(spec, (listed, "rules", "reason"), key)
            entries.append((reader.strings(spec.get(listed, []), f"{key}.{listed}"), spec))
    else:
        raise reader.fail(f"{key} must be a table or an array of tables")
    out = []
    for patterns, spec in entries:
        if not patterns:
            raise reader.fail(f"{key}: an entry lists no {listed}")
        reason = spec.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise reader.fail(f"{key} for {', '.join(patterns)}: a non-empty reason is required")
        rules = reader.strings(spec.get("rules", ["ALL"]), f"{key}.rules")
        out.append(ObjectIgnore(patterns, rules, reason.strip()))
    return tuple(out)


def _house(value: Any, reader: _Reader) -> HouseConfig:
    if not isinstance(value, Mapping):
        raise reader.fail("house must be a table ([tool.dbaudit.house])")
    reader.check_keys(value, _HOUSE_KEYS, f"{reader.section}.house")
    out = HouseConfig()
    for key, item in value.items():
        if key == "required-columns":
            out = replace(out, required_columns=reader.strings(item, key))
        elif key == "pk-type":
            out = replace(out, pk_types=tuple(s.lower() for s in reader.strings(item, key)))
        elif key == "timestamps-trigger":
            if not isinstance(item, bool):
                raise reader.fail(f"{key} must be true or false")
            out = replace(out, timestamps_trigger=item)
        elif key == "updated-at-column":
            out = replace(out, updated_at_column=reader.string(item, key))
        else:
            pattern: dict[str, Any] = {key.replace("-", "_"): reader.pattern(item, key)}
            out = replace(out, **pattern)
    return out


def _docs(value: Any, reader: _Reader) -> DocsConfig:
    if not isinstance(value, Mapping):
        raise reader.fail("docs must be a table ([tool.dbaudit.docs])")
    reader.check_keys(value, ("group-by", "domains"), f"{reader.section}.docs")
    out = DocsConfig()
    if "group-by" in value:
        if value["group-by"] not in ("config", "schema", "prefix"):
            raise reader.fail('docs.group-by must be "config", "schema" or "prefix"')
        out = replace(out, group_by=value["group-by"])
    domains = value.get("domains", {})
    if not isinstance(domains, Mapping):
        raise reader.fail('docs.domains must be a table: { "Page name" = ["table_glob", ...] }')
    return replace(out, domains=tuple((str(k), reader.strings(v, f"docs.domains.{k}")) for k, v in domains.items()))


def config_from_mapping(data: Mapping[str, Any], path: Path, section: str = "tool.dbaudit") -> Config:
    """Validate a ``[tool.dbaudit]`` table (already parsed) into a :class:`Config`."""
    reader = _Reader(path, section)
    reader.check_keys(data, _TOP_KEYS, section)
    _reject_urls(data, reader, section)
    cfg = Config(path=str(path))
    for key, value in data.items():
        if key in ("databases", "serve"):
            continue
        cfg = _apply_key(cfg, key, value, reader)
    return cfg


def _apply_key(cfg: Config, key: str, value: Any, reader: _Reader) -> Config:
    field_name = key.replace("-", "_")
    if key in ("select", "extend-select", "ignore", "plugins"):
        selectors: dict[str, Any] = {field_name: reader.strings(value, key)}
        return replace(cfg, **selectors)
    if key == "severity":
        if not isinstance(value, Mapping):
            raise reader.fail("severity must be a table of rule id = \"P0\"|\"P1\"|\"P2\"")
        pairs = tuple((k, _file_severity(v, f"severity.{k}", reader)) for k, v in value.items())
        return replace(cfg, severity=pairs)
    if key == "per-object-ignores":
        return replace(cfg, per_object_ignores=_object_ignores(value, reader))
    if key == "per-file-ignores":
        return replace(cfg, per_file_ignores=_object_ignores(value, reader, key, "paths"))
    if key == "fail-on":
        return replace(cfg, fail_on=_file_severity(value, key, reader))
    if key == "lang":
        if value not in ("en", "zh"):
            raise reader.fail('lang must be "en" or "zh"')
        return replace(cfg, lang=value)
    if key in ("url-env", "scratch-url-env"):
        env: dict[str, Any] = {field_name: reader.env_name(value, key)}
        return replace(cfg, **env)
    if key == "house":
        return replace(cfg, house=_house(value, reader))
    if key == "docs":
        return replace(cfg, docs=_docs(value, reader))
    if key == "tenant-dedupe":
        if not isinstance(value, bool):
            raise reader.fail("tenant-dedupe must be true or false")
        return replace(cfg, tenant_dedupe=value)
    if key == "tenant-min-schemas":
        if isinstance(value, bool) or not isinstance(value, int) or value < 2:
            raise reader.fail("tenant-min-schemas must be a whole number of at least 2")
        return replace(cfg, tenant_min_schemas=value)
    if key == "app-role":
        if not isinstance(value, str) or not value:
            raise reader.fail("app-role must be a role name")
        return replace(cfg, app_role=value)
    # rule-options
    if not isinstance(value, Mapping) or not all(isinstance(v, Mapping) for v in value.values()):
        raise reader.fail("rule-options must be a table of tables ([tool.dbaudit.rule-options.<rule-id>])")
    return replace(cfg, rule_options=tuple((k, tuple(v.items())) for k, v in value.items()))


def _file_severity(value: Any, key: str, reader: _Reader) -> Severity:
    if not isinstance(value, str):
        raise reader.fail(f"{key} must be \"P0\", \"P1\" or \"P2\"")
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise reader.fail(f"{key}: {exc}") from None


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's tables; a missing, unreadable or invalid file is one UsageError naming it."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"configuration file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not a TOML file (not UTF-8 text: byte {exc.start})") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None


def _from_file(path: Path) -> Config | None:
    """The file's dbaudit configuration, or None for a pyproject.toml without ``[tool.dbaudit]``."""
    data = read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        section = tool.get("dbaudit") if isinstance(tool, Mapping) else None
        if section is None:
            return None
        if not isinstance(section, Mapping):
            raise UsageError(f"{path}: [tool.dbaudit] must be a table")
        return config_from_mapping(section, path)
    return config_from_mapping(data, path, section="dbaudit.toml")


def find_config_file(start_dir: str | Path = ".") -> Path | None:
    """The nearest ``dbaudit.toml``, or ``pyproject.toml`` with ``[tool.dbaudit]``, upwards."""
    here = Path(start_dir).resolve()
    for directory in (here, *here.parents):
        candidate = directory / "dbaudit.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "dbaudit" in read_toml(pyproject).get("tool", {}):
            return pyproject
    return None


def load_config(path: str | None = None, *, start_dir: str | Path = ".") -> Config:
    """Load the configuration: ``path`` when given, else the nearest file found from ``start_dir``.

    No file at all gives the defaults (:class:`Config()`). Errors raise :class:`UsageError`.
    """
    if path is not None:
        found = Path(path)
        if found.is_dir():
            raise UsageError(f"configuration path {found} is a directory, not a TOML file")
        return _from_file(found) or Config(path=str(found))
    discovered = find_config_file(start_dir)
    if discovered is None:
        return Config()
    return _from_file(discovered) or Config(path=str(discovered))


__all__ = [
    "Config", "DocsConfig", "HouseConfig", "ObjectIgnore", "config_from_mapping", "find_config_file", "load_config",
    "read_toml", "split_selectors",
]
