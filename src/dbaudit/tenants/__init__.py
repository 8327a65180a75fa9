"""Schema-per-tenant databases: many schemas of one structure, audited once.

:func:`plan_tenants` finds the schemas that share a structure (:mod:`dbaudit.tenants.structure`,
:mod:`dbaudit.tenants.detect`) and the model the rules run on instead of the whole database: one
schema per structure, with the largest statistics of the schemas it stands for
(:mod:`dbaudit.tenants.layout`). :meth:`TenantLayout.state_once` states the rules' findings on that
model for every schema they apply to, once. The rule ``tenant-schema-deviation`` reports the schemas
that differ from the structure their siblings share.

A layer over the model: it imports the model and the findings, never a source or a renderer, and
the rules themselves do not know it ran.
"""

from dbaudit.tenants.detect import (
    MIN_SCHEMAS,
    Deviant,
    Difference,
    TenantCluster,
    TenantGroup,
    differences_between,
    find_clusters,
    may_share,
)
from dbaudit.tenants.layout import TenantLayout, audited_model, plan_tenants

__all__ = [
    "MIN_SCHEMAS",
    "Deviant",
    "Difference",
    "TenantCluster",
    "TenantGroup",
    "TenantLayout",
    "audited_model",
    "differences_between",
    "find_clusters",
    "may_share",
    "plan_tenants",
]
