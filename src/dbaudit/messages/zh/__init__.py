"""The Chinese catalogue: English template -> Chinese template, one module per area.

Written the way Chinese DBAs write audits (see ``shared/seeds/whalefall_db_audit_report.md``): the
usual terms (外键, 索引, 分区, 锁, 回滚, 主键, 唯一约束, 软删除…), identifiers and SQL left in English,
sentences rewritten rather than translated word by word. Placeholders are the English template's.
"""

from __future__ import annotations

from dbaudit.messages.zh.drift import ZH as _DRIFT
from dbaudit.messages.zh.engine import ZH as _ENGINE
from dbaudit.messages.zh.fleet import ZH as _FLEET
from dbaudit.messages.zh.migrations import ZH as _MIGRATIONS
from dbaudit.messages.zh.rules_a import ZH as _RULES_A
from dbaudit.messages.zh.rules_b import ZH as _RULES_B
from dbaudit.messages.zh.rules_c import ZH as _RULES_C
from dbaudit.messages.zh.sql import ZH as _SQL
from dbaudit.messages.zh.tenants import ZH as _TENANTS
from dbaudit.messages.zh.titles import ZH as _TITLES

ZH: dict[str, str] = {
    **_TITLES, **_RULES_A, **_RULES_B, **_RULES_C, **_DRIFT, **_MIGRATIONS, **_ENGINE, **_SQL, **_FLEET, **_TENANTS,
}

__all__ = ["ZH"]
