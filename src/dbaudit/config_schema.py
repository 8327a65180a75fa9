"""A JSON Schema for ``[tool.dbaudit]`` / ``dbaudit.toml``, so editors (Even Better TOML / taplo, VS Code,
JetBrains) complete and check the configuration.

``config_schema(rule_ids, categories)`` builds it from the keys :mod:`dbaudit.config` accepts (a key
without a description here is an error, so the schema cannot fall behind the loader) and the rule
catalogue (selectors complete to ids and categories; an id the editor does not know yet is still
accepted by pattern, since plugins add rules). ``scripts/gen_config_schema.py`` writes
``docs/config-schema.json``; a test keeps it in sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dbaudit.config import _HOUSE_KEYS, _TOP_KEYS

SEVERITY = {"type": "string", "enum": ["P0", "P1", "P2"]}
ENV_NAME = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}


def _selector(rule_ids: Sequence[str], categories: Sequence[str]) -> dict[str, Any]:
    return {"anyOf": [
        {"type": "string", "enum": ["ALL", *categories, *rule_ids]},
        {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
    ]}


def _suppressions(listed: str, what: str, selectors: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"rules": {"type": "array", "items": selectors, "description": "Rules silenced."},
                              "reason": {"type": "string", "minLength": 1, "description": "Why (required)."}}
    entry = {
        "type": "object",
        "properties": fields,
        "required": ["reason"],
        "additionalProperties": False,
    }
    listed_entry = {
        **entry,
        "properties": {listed: {"type": "array", "items": {"type": "string"}, "minItems": 1,
                                "description": f"Globs over {what}."}, **fields},
        "required": [listed, "reason"],
    }
    return {"description": f"Suppressions: glob over {what} -> rules and a mandatory reason.",
            "oneOf": [{"type": "object", "additionalProperties": entry},
                      {"type": "array", "items": listed_entry}]}


def _both_spellings(properties: dict[str, Any]) -> dict[str, Any]:
    """``url_env`` and ``url-env`` alike (the databases configuration accepts both)."""
    return {**properties, **{k.replace("_", "-"): v for k, v in properties.items() if "_" in k}}


def _databases() -> dict[str, Any]:
    from dbaudit.verify.config import DATABASE_KEY_DOCS  # noqa: PLC0415

    names = {"type": "array", "items": {"type": "string", "minLength": 1}}
    text = {"type": "string", "minLength": 1}
    types: dict[str, dict[str, Any]] = {"url_env": ENV_NAME, "tables": names, "ignore_tables": names,
                                        "schemas": names}
    fields = {key: {**types.get(key, text), "description": doc} for key, doc in DATABASE_KEY_DOCS.items()}
    entry = {"type": "object", "properties": _both_spellings(fields), "additionalProperties": False,
             "anyOf": [{"required": ["url_env"]}, {"required": ["url-env"]}]}
    return {"type": "object", "additionalProperties": entry,
            "description": "`dbaudit verify` / `dbaudit serve`: [databases.NAME] with url_env and its tables."}


def config_schema(rule_ids: Sequence[str], categories: Sequence[str]) -> dict[str, Any]:
    selectors = {"$ref": "#/definitions/selector"}
    selector_list = {"type": "array", "items": selectors, "uniqueItems": True}
    pattern = {"type": "string", "format": "regex"}
    house = {
        "required-columns": {"type": "array", "items": {"type": "string"},
                             "description": "Columns every base table must have."},
        "pk-type": {"type": "array", "items": {"type": "string"},
                    "description": "Allowed primary-key types (bigint, uuid, integer, identity)."},
        "table-name-pattern": {**pattern, "description": "Regular expression table names must match."},
        "column-name-pattern": {**pattern, "description": "Regular expression column names must match."},
        "index-name-pattern": {**pattern, "description": "Regular expression index names must match."},
        "constraint-name-pattern": {**pattern, "description": "Regular expression constraint names must match."},
        "timestamps-trigger": {"type": "boolean", "default": False,
                               "description": "Tables with updated-at-column need a BEFORE UPDATE trigger."},
        "updated-at-column": {"type": "string", "default": "updated_at",
                              "description": "The column the timestamps trigger maintains."},
    }
    top: dict[str, Any] = {
        "select": {**selector_list, "default": ["ALL"], "description": "Rules to run: ids, categories or ALL."},
        "extend-select": {**selector_list, "default": [], "description": "Added to select (preview, house rules)."},
        "ignore": {**selector_list, "default": [], "description": "Rules not to run."},
        "severity": {"type": "object", "additionalProperties": SEVERITY,
                     "propertyNames": selectors, "description": "Severity overrides by rule id or category."},
        "per-object-ignores": _suppressions("objects", "object names (public.*_history)", selectors),
        "per-file-ignores": _suppressions("paths", "the file a finding points at", selectors),
        "fail-on": {**SEVERITY, "default": "P1", "description": "Exit 1 when a finding is at or above this."},
        "lang": {"type": "string", "enum": ["en", "zh"], "default": "en", "description": "Report language."},
        "url-env": {**ENV_NAME, "description": "Environment variable holding the database URL."},
        "scratch-url-env": {**ENV_NAME, "description": "Environment variable holding the throw-away server URL."},
        "house": {"type": "object", "properties": house, "additionalProperties": False,
                  "description": "The team's conventions (house rules)."},
        "rule-options": {"type": "object", "propertyNames": selectors,
                         "additionalProperties": {"type": "object"}, "description": "Per-rule options by rule id."},
        "plugins": {"type": "array", "items": {"type": "string"},
                    "description": "Modules imported before the rules run (their @rule functions register)."},
        "docs": {"type": "object", "additionalProperties": False,
                 "description": "How `dbaudit docs` groups tables into pages.",
                 "properties": {
                     "group-by": {"type": "string", "enum": ["config", "schema", "prefix"],
                                  "description": "Grouping: the domains below, schemas, or name prefixes."},
                     "domains": {"type": "object",
                                 "additionalProperties": {"type": "array", "items": {"type": "string"}},
                                 "description": 'Page name -> table globs: { "Accounts" = ["user*", "role*"] }.'},
                 }},
        "app-role": {"type": "string", "minLength": 1,
                     "description": "The role the application connects as (the security rules' point of view)."},
        "tenant-dedupe": {"type": "boolean", "default": True,
                          "description": "Audit a structure many schemas share once (schema-per-tenant), stating its "
                                         "findings for all of them and reporting the schemas that deviate."},
        "tenant-min-schemas": {"type": "integer", "minimum": 2, "default": 3,
                               "description": "How many schemas must share a structure to be treated as tenants."},
        "databases": _databases(),
        "serve": {"type": "object", "additionalProperties": False,
                  "description": "`dbaudit serve`: refresh intervals in seconds.",
                  "properties": _both_spellings({
                      "interval": {"type": "number", "exclusiveMinimum": 0, "default": 60,
                                   "description": "Seconds between refreshes (health, Alembic, row estimates)."},
                      "audit_interval": {"type": "number", "exclusiveMinimum": 0, "default": 900,
                                         "description": "Seconds between schema reads (findings, partitions)."},
                  })},
    }
    missing = [k for k in _TOP_KEYS if k not in top] + [k for k in _HOUSE_KEYS if k not in house]
    if missing:
        raise KeyError(f"config keys without a schema: {', '.join(missing)}")
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "dbaudit configuration ([tool.dbaudit] in pyproject.toml, or dbaudit.toml)",
        "type": "object",
        "properties": {k: top[k] for k in _TOP_KEYS},
        "additionalProperties": False,
        "definitions": {"selector": _selector(rule_ids, categories)},
    }


__all__ = ["config_schema"]
