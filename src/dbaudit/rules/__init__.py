"""Schema rules, one module per category (and ``nullability``, whose two rules share one fix).
Importing this package registers every rule."""

from __future__ import annotations

import importlib

from dbaudit.rules.registry import REGISTRY, Rule, RuleContext, rule

CATEGORY_MODULES = (
    "integrity",
    "indexes",
    "types",
    "partitioning",
    "lifecycle",
    "naming",
    "house",
    "governance",
    "nullability",
    "security",
    "capacity",
    "tenants",
)

for _module in CATEGORY_MODULES:
    importlib.import_module(f"dbaudit.rules.{_module}")

__all__ = ["REGISTRY", "Rule", "RuleContext", "rule"]
