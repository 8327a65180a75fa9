"""Fill a migrated WhaleFall database with realistic, deterministic data (psycopg 3, COPY).

    python scripts/generate_data.py URL [--scale 1.0] [--seed 42]

At scale 1.0: 300 instances, ~4,500 accounts, ~1,300 databases with 150 days of daily capacity
samples (2025-07-29 .. 2025-12-25, six monthly partitions), their weekly/monthly aggregates, sync
sessions, change logs and application logs. ``scale`` multiplies the number of instances (and of
everything hanging off them); the date window is fixed so the data fits the baseline's partitions.

Planted data problems (what the audit report's verification SQL looks for):
- database_size_aggregations rows whose instance_id matches no instance (no FK in the database);
- account_permission rows whose instance_id differs from their instance_accounts row's instance_id;
- an id that appears twice in database_size_stats, in two different monthly partitions;
- credentials whose stored password (base64 of a Fernet token) is 248 characters long, 7 short of the
  varchar(255) limit (64..79-character plaintexts);
- sync_sessions rows whose total_instances is NULL (the column has a default but accepts NULL);
- unified_logs ids that keep the pace of a busy production log table (about a million ids a day,
  the generated rows being a thin sample of it): its int4 key runs out about 90 days after the data.

``generate(..., record=PATH)`` (``--record FILE``) writes what was planted, per problem, as JSON: the
rule that finds it, the object, and how many rows (the counts ``dbaudit check-data`` must find).
``plant=False`` (``--clean``) generates the same kind of data with none of these problems.

Passwords are encrypted with a key derived from the seed (or PASSWORD_ENCRYPTION_KEY when set), with
a fixed timestamp and seeded IVs, so the whole database is byte-for-byte reproducible.
The target database must be migrated (alembic upgrade head) and empty.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from cryptography.fernet import Fernet
from psycopg.types.json import Jsonb

WINDOW_END = date(2025, 12, 25)
WINDOW_DAYS = 150
WINDOW_START = WINDOW_END - timedelta(days=WINDOW_DAYS - 1)
# Timestamp written into every Fernet token (the day the production baseline was exported).
ENCRYPTION_TIME = int(datetime(2025, 12, 19, 16, 10, 48, tzinfo=UTC).timestamp())

DB_TYPES: dict[str, dict[str, Any]] = {
    "mysql": {
        "weight": 45,
        "port": 3306,
        "driver": "pymysql",
        "schema": "",
        "versions": ["5.7.44", "8.0.36", "8.0.39"],
    },
    "postgresql": {
        "weight": 25,
        "port": 5432,
        "driver": "psycopg",
        "schema": "public",
        "versions": ["13.16", "14.13", "15.8"],
    },
    "sqlserver": {
        "weight": 20,
        "port": 1433,
        "driver": "pymssql",
        "schema": "dbo",
        "versions": ["14.0.3465.1", "15.0.4375.4"],
    },
    "oracle": {"weight": 10, "port": 1521, "driver": "oracledb", "schema": "", "versions": ["11.2.0.4", "19.3.0.0"]},
}
SYSTEM_ACCOUNTS = {
    "mysql": ["root", "mysql.sys", "mysql.session", "repl", "monitor", "backup"],
    "postgresql": ["postgres", "replicator", "monitor", "backup", "pg_exporter"],
    "sqlserver": ["sa", "NT AUTHORITY\\SYSTEM", "monitor", "backup_operator"],
    "oracle": ["SYS", "SYSTEM", "DBSNMP", "MONITOR", "RMAN"],
}
APPS = ["order", "payment", "user", "crm", "bi", "erp", "wms", "hr", "billing", "search", "risk", "cms"]
ENVS = ["prod", "prod", "prod", "staging", "test", "dev"]
REGIONS = ["bj", "sh", "gz", "sz", "hz"]
TAGS = [
    ("prod", "生产", "environment", "danger"),
    ("staging", "预发", "environment", "warning"),
    ("test", "测试", "environment", "info"),
    ("dev", "开发", "environment", "secondary"),
    ("bj", "北京", "region", "primary"),
    ("sh", "上海", "region", "primary"),
    ("gz", "广州", "region", "primary"),
    ("sz", "深圳", "region", "primary"),
    ("hz", "杭州", "region", "primary"),
    ("core", "核心业务", "tier", "danger"),
    ("non_core", "非核心业务", "tier", "secondary"),
    ("payment", "支付", "business", "success"),
    ("order", "订单", "business", "success"),
    ("bi", "数据分析", "business", "info"),
    ("dba_managed", "DBA 托管", "owner", "dark"),
    ("legacy", "遗留系统", "lifecycle", "warning"),
]
CLASSIFICATIONS = [
    ("超级管理员", "high", "#dc3545", "fa-crown", 100, True),
    ("高风险账户", "high", "#fd7e14", "fa-exclamation-triangle", 90, True),
    ("特权账户", "medium", "#ffc107", "fa-key", 80, True),
    ("应用账户", "low", "#0d6efd", "fa-cube", 50, False),
    ("只读账户", "low", "#198754", "fa-eye", 40, False),
    ("普通账户", "low", "#6c757d", "fa-user", 10, False),
]
PERMISSIONS = {
    "mysql": {
        "global": [
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "CREATE",
            "DROP",
            "RELOAD",
            "SHUTDOWN",
            "PROCESS",
            "FILE",
            "GRANT OPTION",
            "SUPER",
            "REPLICATION SLAVE",
            "REPLICATION CLIENT",
        ],
        "database": ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "INDEX", "ALTER", "EXECUTE"],
    },
    "postgresql": {
        "role_attribute": ["SUPERUSER", "CREATEDB", "CREATEROLE", "REPLICATION", "LOGIN", "BYPASSRLS"],
        "predefined_role": [
            "pg_read_all_data",
            "pg_write_all_data",
            "pg_monitor",
            "pg_read_all_stats",
            "pg_signal_backend",
        ],
        "database": ["CONNECT", "CREATE", "TEMPORARY"],
    },
    "sqlserver": {
        "server_role": ["sysadmin", "serveradmin", "securityadmin", "processadmin", "dbcreator", "bulkadmin"],
        "server_permission": ["CONTROL SERVER", "VIEW SERVER STATE", "ALTER ANY LOGIN"],
        "database_role": ["db_owner", "db_datareader", "db_datawriter", "db_ddladmin"],
    },
    "oracle": {
        "role": ["DBA", "CONNECT", "RESOURCE", "SELECT_CATALOG_ROLE"],
        "system_privilege": [
            "CREATE SESSION",
            "CREATE TABLE",
            "UNLIMITED TABLESPACE",
            "SELECT ANY TABLE",
            "ALTER SYSTEM",
        ],
        "tablespace": ["USERS", "SYSTEM", "SYSAUX"],
    },
}
LOG_MODULES = [
    "account_sync",
    "capacity_sync",
    "aggregation",
    "partition",
    "scheduler",
    "auth",
    "instances",
    "credentials",
]


def at(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


def days(start: date, end: date) -> Iterable[date]:
    current = start
    while current <= end:
        yield current
        current += timedelta(days=1)


def demo_key(seed: int) -> bytes:
    """Encryption key: PASSWORD_ENCRYPTION_KEY if set, else one derived from the seed."""
    configured = os.environ.get("PASSWORD_ENCRYPTION_KEY")
    if configured:
        return configured.encode()
    return base64.urlsafe_b64encode(hashlib.sha256(f"whalefall-demo-{seed}".encode()).digest())


@dataclass
class Tables:
    """Generated rows per table, in COPY column order."""

    columns: dict[str, Sequence[str]] = field(default_factory=dict)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def add(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        self.columns[table] = columns
        self.rows[table] = rows


# Planted fast-growing key: unified_logs ids advance this much per day, and run out this many days after
# the last generated row (the int4 range ends at 2**31 - 1).
LOG_IDS_PER_DAY = 1_000_000
LOG_IDS_DAYS_LEFT = 90
INT4_MAX = 2**31 - 1


class Generator:
    def __init__(self, scale: float, seed: int, *, plant: bool = True) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_instances = max(6, round(300 * scale))
        self.scale = scale
        self.plant = plant
        self.fernet = Fernet(demo_key(seed))
        self.out = Tables()
        # What was planted: one entry per problem (rule, object, kind, rows, and details).
        self.planted: list[dict[str, Any]] = []

    def record(self, rule: str, obj: str, kind: str, count: int, **details: Any) -> None:
        """One planted problem; ``count`` is what `dbaudit check-data` reports (rows, or shared ids)."""
        self.planted.append({"rule": rule, "object": obj, "kind": kind, "count": count, **details})

    # -- helpers -------------------------------------------------------------------------------
    def encrypt(self, plain: str) -> str:
        # Same format as app.utils.password_crypto_utils.encrypt_password, with a fixed time and a
        # seeded IV so that the generated database is reproducible.
        token = self.fernet._encrypt_from_parts(plain.encode(), ENCRYPTION_TIME, self.rng.randbytes(16))
        return base64.b64encode(token).decode("ascii")

    def password(self, length: int) -> str:
        alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!@#%^*_-"
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def moment(self, day: date) -> datetime:
        return at(day, self.rng.randrange(24), self.rng.randrange(60), self.rng.randrange(60))

    # -- reference data ------------------------------------------------------------------------
    def users(self) -> None:
        names = [
            "admin",
            "dba_zhang",
            "dba_li",
            "dba_wang",
            "ops_chen",
            "ops_liu",
            "ops_zhao",
            "dev_sun",
            "dev_zhou",
            "auditor_wu",
            "readonly_qian",
            "svc_scheduler",
        ]
        rows = []
        for i, name in enumerate(names, 1):
            role = "admin" if name == "admin" or name.startswith("dba") else "user"
            hashed = "$2b$12$" + "".join(
                self.rng.choice("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(53)
            )
            rows.append(
                (
                    i,
                    name,
                    hashed,
                    role,
                    at(WINDOW_START - timedelta(days=400 - i)),
                    self.moment(WINDOW_END - timedelta(days=self.rng.randrange(30))),
                    name != "readonly_qian",
                )
            )
        self.out.add("users", ("id", "username", "password", "role", "created_at", "last_login", "is_active"), rows)

    def type_configs(self) -> None:
        rows = []
        for i, (name, meta) in enumerate(DB_TYPES.items(), 1):
            rows.append(
                (
                    i,
                    name,
                    {"mysql": "MySQL", "postgresql": "PostgreSQL", "sqlserver": "SQL Server", "oracle": "Oracle"}[name],
                    meta["driver"],
                    meta["port"],
                    meta["schema"],
                    30,
                    f"{name} instances",
                    "fa-database",
                    "primary",
                    '["accounts", "capacity"]',
                    True,
                    True,
                    i,
                    at(date(2024, 6, 1)),
                    at(date(2024, 6, 1)),
                )
            )
        self.out.add(
            "database_type_configs",
            (
                "id",
                "name",
                "display_name",
                "driver",
                "default_port",
                "default_schema",
                "connection_timeout",
                "description",
                "icon",
                "color",
                "features",
                "is_active",
                "is_system",
                "sort_order",
                "created_at",
                "updated_at",
            ),
            rows,
        )
        perms, pid = [], 0
        for db_type, categories in PERMISSIONS.items():
            for category, names in categories.items():
                for order, permission in enumerate(names):
                    pid += 1
                    perms.append(
                        (
                            pid,
                            db_type,
                            category,
                            permission,
                            f"{db_type} {category} {permission}",
                            True,
                            order,
                            at(date(2024, 6, 1)),
                            at(date(2024, 6, 1)),
                        )
                    )
        self.out.add(
            "permission_configs",
            (
                "id",
                "db_type",
                "category",
                "permission_name",
                "description",
                "is_active",
                "sort_order",
                "created_at",
                "updated_at",
            ),
            perms,
        )

    def credentials(self) -> list[tuple[int, str]]:
        n = max(4, round(40 * self.scale))
        long_ones = ({1, 2, 3} if n >= 8 else {1}) if self.plant else set()
        rows, creds = [], []
        for i in range(1, n + 1):
            db_type = list(DB_TYPES)[(i - 1) % len(DB_TYPES)]
            # planted: 64..79-character passwords encrypt to 248 characters (limit 255)
            plain = self.password(self.rng.randint(64, 79) if i in long_ones else self.rng.randint(12, 32))
            created = at(WINDOW_START - timedelta(days=self.rng.randrange(30, 300)))
            rows.append(
                (
                    i,
                    f"{db_type}-{['monitor', 'sync', 'admin', 'backup', 'readonly'][i % 5]}-{i:02d}",
                    "database",
                    db_type,
                    ["dbaudit_ro", "monitor", "sync_user", "dba_admin"][i % 4],
                    self.encrypt(plain),
                    None,
                    None,
                    True,
                    created,
                    created,
                    None,
                )
            )
            creds.append((i, db_type))
        if long_ones:
            self.record("secret-in-bounded-varchar", "public.credentials.password", "near-limit", len(long_ones),
                        ids=sorted(long_ones), lengths=sorted({len(rows[i - 1][5]) for i in long_ones}), limit=255)
        self.out.add(
            "credentials",
            (
                "id",
                "name",
                "credential_type",
                "db_type",
                "username",
                "password",
                "description",
                "category_id",
                "is_active",
                "created_at",
                "updated_at",
                "deleted_at",
            ),
            rows,
        )
        return creds

    # -- instances -----------------------------------------------------------------------------
    def instances(self, creds: list[tuple[int, str]]) -> list[dict[str, Any]]:
        types = list(DB_TYPES)
        weights = [DB_TYPES[t]["weight"] for t in types]
        rows, instances = [], []
        for i in range(1, self.n_instances + 1):
            db_type = self.rng.choices(types, weights)[0]
            env, app, region = self.rng.choice(ENVS), self.rng.choice(APPS), self.rng.choice(REGIONS)
            name = f"{env}-{region}-{app}-{db_type}-{i:03d}"
            version = self.rng.choice(DB_TYPES[db_type]["versions"])
            created = at(WINDOW_START - timedelta(days=self.rng.randrange(0, 500)))
            deleted = self.rng.random() < 0.03
            deleted_at = (
                self.moment(WINDOW_START + timedelta(days=self.rng.randrange(60, WINDOW_DAYS - 10)))
                if deleted
                else None
            )
            cred = self.rng.choice([c for c, t in creds if t == db_type] or [None])
            host = f"10.{self.rng.randrange(10, 80)}.{self.rng.randrange(0, 255)}.{self.rng.randrange(2, 254)}"
            rows.append(
                (
                    i,
                    name,
                    db_type,
                    host,
                    DB_TYPES[db_type]["port"],
                    None,
                    f"{db_type} {version} on Linux x86_64",
                    version.split(".")[0] + "." + version.split(".")[1],
                    version,
                    self.rng.randrange(100, 3000),
                    cred,
                    f"{app} {env} database",
                    not deleted and self.rng.random() > 0.04,
                    self.moment(WINDOW_END - timedelta(days=self.rng.randrange(3))),
                    created,
                    created,
                    deleted_at,
                )
            )
            instances.append(
                {
                    "id": i,
                    "name": name,
                    "db_type": db_type,
                    "env": env,
                    "app": app,
                    "region": region,
                    "deleted_at": deleted_at,
                }
            )
        self.out.add(
            "instances",
            (
                "id",
                "name",
                "db_type",
                "host",
                "port",
                "database_name",
                "database_version",
                "main_version",
                "detailed_version",
                "sync_count",
                "credential_id",
                "description",
                "is_active",
                "last_connected",
                "created_at",
                "updated_at",
                "deleted_at",
            ),
            rows,
        )
        return instances

    def tags(self, instances: list[dict[str, Any]]) -> None:
        tag_ids = {name: i for i, (name, *_rest) in enumerate(TAGS, 1)}
        created = at(date(2024, 6, 1))
        self.out.add(
            "tags",
            ("id", "name", "display_name", "category", "color", "is_active", "created_at", "updated_at"),
            [(i, n, d, c, col, True, created, created) for i, (n, d, c, col) in enumerate(TAGS, 1)],
        )
        rows: list[tuple[Any, ...]] = []
        for inst in instances:
            chosen = {inst["env"], inst["region"]}
            if inst["app"] in tag_ids:
                chosen.add(inst["app"])
            chosen.add("core" if inst["app"] in ("order", "payment", "user") else "non_core")
            if self.rng.random() < 0.3:
                chosen.add("dba_managed")
            if self.rng.random() < 0.08:
                chosen.add("legacy")
            rows.extend((inst["id"], tag_ids[t], created) for t in sorted(chosen))
        self.out.add("instance_tags", ("instance_id", "tag_id", "created_at"), rows)

    # -- accounts ------------------------------------------------------------------------------
    def permissions_snapshot(self, db_type: str, username: str, superuser: bool) -> dict[str, Any]:
        p = PERMISSIONS[db_type]

        def pick(names: list[str], k: int) -> list[str]:
            return sorted(self.rng.sample(names, min(k, len(names))))

        if db_type == "mysql":
            return {
                "global_privileges": ["ALL PRIVILEGES"] if superuser else pick(p["global"], self.rng.randint(0, 3)),
                "database_privileges": {
                    f"{username.split('_', maxsplit=1)[0]}_db": pick(p["database"], self.rng.randint(1, 5))
                },
                "type_specific": {
                    "host": self.rng.choice(["%", "10.%", "localhost"]),
                    "plugin": "mysql_native_password",
                },
            }
        if db_type == "postgresql":
            return {
                "role_attributes": (["SUPERUSER"] if superuser else []) + ["LOGIN"],
                "predefined_roles": pick(p["predefined_role"], self.rng.randint(0, 2)),
                "database_privileges_pg": {"app": pick(p["database"], self.rng.randint(1, 3))},
                "tablespace_privileges": {},
                "type_specific": {"valid_until": None},
            }
        if db_type == "sqlserver":
            return {
                "server_roles": ["sysadmin"] if superuser else pick(p["server_role"], self.rng.randint(0, 2)),
                "server_permissions": pick(p["server_permission"], self.rng.randint(0, 2)),
                "database_roles": {"AppDB": pick(p["database_role"], self.rng.randint(1, 2))},
                "database_permissions": {},
                "type_specific": {"is_disabled": False},
            }
        return {
            "oracle_roles": ["DBA"] if superuser else pick(p["role"], self.rng.randint(1, 2)),
            "system_privileges": pick(p["system_privilege"], self.rng.randint(1, 3)),
            "tablespace_privileges_oracle": {"USERS": ["UNLIMITED"]},
            "type_specific": {"account_status": "OPEN"},
        }

    def accounts(self, instances: list[dict[str, Any]]) -> list[tuple[int, int, str, str]]:
        ia_rows, ap_rows, accounts = [], [], []
        jsonb_cols = (
            "global_privileges",
            "database_privileges",
            "predefined_roles",
            "role_attributes",
            "database_privileges_pg",
            "tablespace_privileges",
            "server_roles",
            "server_permissions",
            "database_roles",
            "database_permissions",
            "oracle_roles",
            "system_privileges",
            "tablespace_privileges_oracle",
            "type_specific",
        )
        taken: set[tuple[int, str, str]] = set()
        aid = 0
        for inst in instances:
            db_type = inst["db_type"]
            names = list(SYSTEM_ACCOUNTS[db_type])
            names += [
                f"{inst['app']}_{suffix}" for suffix in ("app", "ro", "rw", "etl", "report")[: self.rng.randint(2, 5)]
            ]
            names += [
                f"dev_{self.rng.choice(['zhang', 'li', 'wang', 'chen', 'liu', 'yang', 'huang', 'zhao', 'wu', 'zhou'])}{n}"
                for n in range(self.rng.randint(0, 10))
            ]
            for username in dict.fromkeys(names):
                aid += 1
                first = self.moment(WINDOW_START - timedelta(days=self.rng.randrange(0, 200)))
                active = self.rng.random() > 0.06
                last = self.moment(
                    WINDOW_END if active else WINDOW_START + timedelta(days=self.rng.randrange(WINDOW_DAYS))
                )
                ia_rows.append(
                    (aid, inst["id"], username, db_type, active, first, last, None if active else last, first, first)
                )
                superuser = username in ("root", "postgres", "sa", "SYS", "SYSTEM")
                snap = self.permissions_snapshot(db_type, username, superuser)
                ap_rows.append(
                    [
                        aid,
                        inst["id"],
                        db_type,
                        username,
                        superuser,
                        *[Jsonb(snap[c]) if c in snap else None for c in jsonb_cols],
                        last,
                        self.rng.choice(["add", "modify_privilege", "modify_other"]),
                        last,
                        aid,
                        self.rng.random() < 0.03,
                    ]
                )
                taken.add((inst["id"], db_type, username))
                accounts.append((aid, inst["id"], db_type, username))
        # planted: account_permission.instance_id disagrees with instance_accounts.instance_id
        n_bad = max(2, round(12 * self.scale)) if self.plant else 0
        changed = []
        for row in self.rng.sample(ap_rows, n_bad):
            for other in self.rng.sample(instances, len(instances)):
                if other["id"] != row[1] and (other["id"], row[2], row[3]) not in taken:
                    taken.add((other["id"], row[2], row[3]))
                    row[1] = other["id"]
                    changed.append(row[0])
                    break
        if changed:
            self.record("redundant-column-without-consistency", "public.account_permission.instance_id",
                        "inconsistent", len(changed), ids=sorted(changed))
        self.out.add(
            "instance_accounts",
            (
                "id",
                "instance_id",
                "username",
                "db_type",
                "is_active",
                "first_seen_at",
                "last_seen_at",
                "deleted_at",
                "created_at",
                "updated_at",
            ),
            ia_rows,
        )
        self.out.add(
            "account_permission",
            (
                "id",
                "instance_id",
                "db_type",
                "username",
                "is_superuser",
                *jsonb_cols,
                "last_sync_time",
                "last_change_type",
                "last_change_time",
                "instance_account_id",
                "is_locked",
            ),
            [tuple(r) for r in ap_rows],
        )
        return accounts

    def change_logs(self, accounts: list[tuple[int, int, str, str]]) -> None:
        rows, lid = [], 0
        for _aid, instance_id, db_type, username in accounts:
            for _ in range(self.rng.choice([0, 0, 1, 1, 2, 3, 5, 8])):
                lid += 1
                change = self.rng.choice(["add", "modify_privilege", "modify_privilege", "modify_other", "delete"])
                diff = {"added": self.rng.sample(["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE"], 2), "removed": []}
                rows.append(
                    (
                        lid,
                        instance_id,
                        db_type,
                        username,
                        change,
                        self.moment(WINDOW_START + timedelta(days=self.rng.randrange(WINDOW_DAYS))),
                        f"{self.rng.getrandbits(128):032x}",
                        "success" if self.rng.random() > 0.02 else "failed",
                        f"{change} {username}",
                        Jsonb(diff) if change == "modify_privilege" else None,
                        Jsonb({"is_locked": {"old": False, "new": True}}) if change == "modify_other" else None,
                    )
                )
        self.out.add(
            "account_change_log",
            (
                "id",
                "instance_id",
                "db_type",
                "username",
                "change_type",
                "change_time",
                "session_id",
                "status",
                "message",
                "privilege_diff",
                "other_diff",
            ),
            rows,
        )

    def classifications(self, accounts: list[tuple[int, int, str, str]]) -> None:
        created = at(date(2024, 9, 1))
        self.out.add(
            "account_classifications",
            (
                "id",
                "name",
                "description",
                "risk_level",
                "color",
                "icon_name",
                "priority",
                "is_system",
                "is_active",
                "created_at",
                "updated_at",
            ),
            [
                (i, n, f"{n}(自动分类)", r, c, icon, p, s, True, created, created)
                for i, (n, r, c, icon, p, s) in enumerate(CLASSIFICATIONS, 1)
            ],
        )
        rules, rid = [], 0
        for cid in range(1, len(CLASSIFICATIONS) + 1):
            for db_type in DB_TYPES:
                rid += 1
                rules.append(
                    (
                        rid,
                        cid,
                        db_type,
                        f"{db_type}-rule-{cid}",
                        '{"operator": "OR", "privileges": ["SUPER", "GRANT OPTION"]}',
                        True,
                        created,
                        created,
                    )
                )
        self.out.add(
            "classification_rules",
            (
                "id",
                "classification_id",
                "db_type",
                "rule_name",
                "rule_expression",
                "is_active",
                "created_at",
                "updated_at",
            ),
            rules,
        )
        rows, asid = [], 0
        batch = f"{self.rng.getrandbits(128):032x}"[:36]
        for aid, _instance_id, db_type, username in accounts:
            if self.rng.random() < 0.4:
                continue
            asid += 1
            cid = 1 if username in ("root", "postgres", "sa", "SYS") else self.rng.randint(2, len(CLASSIFICATIONS))
            rule = (cid - 1) * len(DB_TYPES) + list(DB_TYPES).index(db_type) + 1
            when = self.moment(WINDOW_END - timedelta(days=self.rng.randrange(20)))
            rows.append(
                (
                    asid,
                    aid,
                    cid,
                    rule,
                    None,
                    "auto",
                    round(self.rng.uniform(0.6, 1.0), 2),
                    None,
                    batch,
                    True,
                    when,
                    when,
                    when,
                )
            )
        self.out.add(
            "account_classification_assignments",
            (
                "id",
                "account_id",
                "classification_id",
                "rule_id",
                "assigned_by",
                "assignment_type",
                "confidence_score",
                "notes",
                "batch_id",
                "is_active",
                "assigned_at",
                "created_at",
                "updated_at",
            ),
            rows,
        )

    # -- sync history and logs -----------------------------------------------------------------
    def sync_history(self, instances: list[dict[str, Any]]) -> None:
        sessions, records, sid, rid = [], [], 0, 0
        live = [i for i in instances if i["deleted_at"] is None]
        for day in days(WINDOW_START, WINDOW_END):
            plans = [("scheduled_task", "account", live), ("scheduled_task", "capacity", live)]
            if self.rng.random() < 0.25:
                plans.append(("manual_single", "account", self.rng.sample(live, 1)))
            if self.rng.random() < 0.1:
                plans.append(("manual_batch", "capacity", self.rng.sample(live, min(5, len(live)))))
            for sync_type, category, targets in plans:
                sid += 1
                session_id = f"{self.rng.getrandbits(128):032x}"
                session_uuid = (
                    f"{session_id[:8]}-{session_id[8:12]}-{session_id[12:16]}-{session_id[16:20]}-{session_id[20:]}"
                )
                started = at(day, 1 if category == "account" else 2, self.rng.randrange(60))
                failed = sum(self.rng.random() < 0.02 for _ in targets)
                status = (
                    "running"
                    if day == WINDOW_END and sync_type == "scheduled_task" and category == "capacity"
                    else (
                        "failed" if failed > len(targets) // 2 else self.rng.choice(["completed"] * 30 + ["cancelled"])
                    )
                )
                done = None if status == "running" else started + timedelta(minutes=self.rng.randint(2, 40))
                sessions.append(
                    (
                        sid,
                        session_uuid,
                        sync_type,
                        category,
                        status,
                        started,
                        done,
                        len(targets),
                        len(targets) - failed,
                        failed,
                        self.rng.randint(1, 12) if sync_type != "scheduled_task" else None,
                        started,
                        done or started,
                    )
                )
                if (WINDOW_END - day).days >= 14 and sync_type == "scheduled_task":
                    continue  # per-instance records are purged after two weeks
                for inst in targets:
                    rid += 1
                    rstatus = "running" if status == "running" else self.rng.choice(["completed"] * 49 + ["failed"])
                    synced = self.rng.randint(1, 40)
                    records.append(
                        (
                            rid,
                            session_uuid,
                            inst["id"],
                            inst["name"],
                            category,
                            rstatus,
                            started,
                            None if rstatus == "running" else done,
                            synced,
                            self.rng.randint(0, 2),
                            self.rng.randint(0, 3),
                            0,
                            "connection timeout" if rstatus == "failed" else None,
                            Jsonb({"version": 1, "duration_ms": self.rng.randint(50, 9000)}),
                            started,
                        )
                    )
        if self.plant:
            # planted: the first sessions predate the counters: total_instances is NULL (nullable, DEFAULT 0)
            n_null = max(2, round(5 * self.scale))
            sessions[:n_null] = [(*row[:7], None, *row[8:]) for row in sessions[:n_null]]
            self.record("nullable-with-default", "public.sync_sessions.total_instances", "nulls", n_null,
                        ids=[row[0] for row in sessions[:n_null]])
        self.out.add(
            "sync_sessions",
            (
                "id",
                "session_id",
                "sync_type",
                "sync_category",
                "status",
                "started_at",
                "completed_at",
                "total_instances",
                "successful_instances",
                "failed_instances",
                "created_by",
                "created_at",
                "updated_at",
            ),
            sessions,
        )
        self.out.add(
            "sync_instance_records",
            (
                "id",
                "session_id",
                "instance_id",
                "instance_name",
                "sync_category",
                "status",
                "started_at",
                "completed_at",
                "items_synced",
                "items_created",
                "items_updated",
                "items_deleted",
                "error_message",
                "sync_details",
                "created_at",
            ),
            records,
        )

    def logs(self, instances: list[dict[str, Any]]) -> None:
        rows, lid = [], 0
        per_day = max(5, round(200 * self.scale))
        levels = ["DEBUG"] * 10 + ["INFO"] * 60 + ["WARNING"] * 20 + ["ERROR"] * 9 + ["CRITICAL"]
        for day in days(WINDOW_START, WINDOW_END):
            for _ in range(per_day):
                lid += 1
                level, module, inst = self.rng.choice(levels), self.rng.choice(LOG_MODULES), self.rng.choice(instances)
                ts = self.moment(day)
                message = {
                    "ERROR": f"sync failed for {inst['name']}: connection timeout",
                    "CRITICAL": f"partition missing for {day:%Y_%m}",
                    "WARNING": f"slow collection on {inst['name']}",
                }.get(level, f"{module} step done for {inst['name']}")
                rows.append(
                    (
                        lid,
                        ts,
                        level,
                        module,
                        message,
                        "Traceback (most recent call last):\n  ...\nTimeoutError"
                        if level in ("ERROR", "CRITICAL")
                        else None,
                        Jsonb({"instance_id": inst["id"], "instance_name": inst["name"], "host": inst["region"]}),
                        ts,
                    )
                )
        if self.plant:
            self.fast_log_ids(rows, per_day)
        self.out.add(
            "unified_logs",
            ("id", "timestamp", "level", "module", "message", "traceback", "context", "created_at"),
            rows,
        )

    def fast_log_ids(self, rows: list[tuple[Any, ...]], per_day: int) -> None:
        """planted: ids at the pace of LOG_IDS_PER_DAY, ending LOG_IDS_DAYS_LEFT days before the int4 limit."""
        step = LOG_IDS_PER_DAY // per_day
        start = INT4_MAX - LOG_IDS_DAYS_LEFT * LOG_IDS_PER_DAY - (len(rows) - 1) * step
        rows[:] = [(start + i * step, *row[1:]) for i, row in enumerate(rows)]
        last = rows[-1][0]
        self.record("int4-key-overflow-risk", "public.unified_logs.id", "sequence", 1, last_id=last,
                    ids_per_day=step * per_day, days_left=(INT4_MAX - last) // (step * per_day),
                    used_percent=round(100 * last / INT4_MAX, 4))

    # -- capacity ------------------------------------------------------------------------------
    def capacity(self, instances: list[dict[str, Any]]) -> None:
        db_rows, stat_rows = [], []
        daily_total: dict[tuple[int, date], list[int]] = {}
        idb, sid = 0, 0
        per_db_days: dict[tuple[int, str], list[tuple[date, int, int | None, int | None]]] = {}
        for inst in instances:
            end = inst["deleted_at"].date() if inst["deleted_at"] else WINDOW_END
            names = [
                f"{inst['app']}_db",
                f"{inst['app']}_log",
                f"{inst['app']}_archive",
                f"{inst['app']}_report",
                f"{inst['app']}_tmp",
                f"{inst['app']}_history",
                "audit",
                "monitor",
            ][: self.rng.randint(2, 8)]
            for name in names:
                idb += 1
                first = (
                    WINDOW_START
                    if self.rng.random() > 0.1
                    else WINDOW_START + timedelta(days=self.rng.randrange(WINDOW_DAYS - 1))
                )
                dropped = self.rng.random() < 0.05
                last = min(end, first + timedelta(days=self.rng.randrange(WINDOW_DAYS))) if dropped else end
                db_rows.append(
                    (
                        idb,
                        inst["id"],
                        name,
                        not dropped and inst["deleted_at"] is None,
                        first,
                        last,
                        at(last, 3) if dropped else None,
                        at(first, 2),
                        at(last, 2),
                    )
                )
                size = self.rng.randint(50, 200_000)
                series = []
                for day in days(first, last):
                    size = max(10, size + int(size * self.rng.uniform(-0.004, 0.012)))
                    data = int(size * 0.8) if inst["db_type"] in ("mysql", "sqlserver") else None
                    log = size - data if data is not None else None
                    sid += 1
                    stat_rows.append(
                        [
                            sid,
                            inst["id"],
                            name,
                            size,
                            data,
                            log,
                            day,
                            at(day, 2, self.rng.randrange(60), self.rng.randrange(60)),
                            at(day, 3),
                            at(day, 3),
                        ]
                    )
                    series.append((day, size, data, log))
                    daily_total.setdefault((inst["id"], day), []).append(size)
                per_db_days[(inst["id"], name)] = series
        # planted: the id of an early row reused by a row in a later partition
        if self.plant:
            first_row = next(r for r in stat_rows if r[6].month == WINDOW_START.month)
            later_row = next(r for r in reversed(stat_rows) if r[6].month == WINDOW_END.month)
            later_row[0] = first_row[0]
            self.record("partitioned-orm-key-mismatch", "public.database_size_stats", "repeated-ids", 1,
                        ids=[first_row[0]], partitions=[f"database_size_stats_{first_row[6]:%Y_%m}",
                                                        f"database_size_stats_{later_row[6]:%Y_%m}"])
        self.out.add(
            "instance_databases",
            (
                "id",
                "instance_id",
                "database_name",
                "is_active",
                "first_seen_date",
                "last_seen_date",
                "deleted_at",
                "created_at",
                "updated_at",
            ),
            db_rows,
        )
        self.out.add(
            "database_size_stats",
            (
                "id",
                "instance_id",
                "database_name",
                "size_mb",
                "data_size_mb",
                "log_size_mb",
                "collected_date",
                "collected_at",
                "created_at",
                "updated_at",
            ),
            [tuple(r) for r in stat_rows],
        )
        self.database_aggregations(per_db_days)
        self.instance_capacity(instances, daily_total)

    @staticmethod
    def periods(day: date) -> list[tuple[str, date, date]]:
        week = day - timedelta(days=day.weekday())
        month = day.replace(day=1)
        month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return [("weekly", week, week + timedelta(days=6)), ("monthly", month, month_end)]

    @staticmethod
    def pct(new: int, old: int) -> Decimal:
        return Decimal(0) if not old else Decimal(round((new - old) * 100 / old, 2)).quantize(Decimal("0.01"))

    def database_aggregations(
        self, per_db_days: dict[tuple[int, str], list[tuple[date, int, int | None, int | None]]]
    ) -> None:
        rows, aid = [], 0
        calculated = datetime(2025, 12, 26, 1, 0, tzinfo=UTC)
        items = list(per_db_days.items())
        # planted: aggregates of instances that do not exist (no FK in the database)
        orphan_ids = [900_000 + n for n in range(1, max(2, round(6 * self.scale)) + 1)] if self.plant else []
        for orphan in orphan_ids:
            items.append(((orphan, "orphan_db"), items[orphan % len(items)][1][:21]))
        for (instance_id, name), series in items:
            buckets: dict[tuple[str, date, date], list[tuple[date, int, int | None, int | None]]] = {}
            for sample in series:
                for key in self.periods(sample[0]):
                    buckets.setdefault(key, []).append(sample)
            previous: dict[str, int] = {}
            for (ptype, start, end), samples in sorted(buckets.items(), key=lambda kv: (kv[0][0], kv[0][1])):
                sizes = [s[1] for s in samples]
                datas = [s[2] for s in samples if s[2] is not None]
                logs = [s[3] for s in samples if s[3] is not None]
                avg = sum(sizes) // len(sizes)
                change = avg - previous.get(ptype, avg)
                aid += 1
                rows.append(
                    (
                        aid,
                        instance_id,
                        name,
                        ptype,
                        start,
                        end,
                        avg,
                        max(sizes),
                        min(sizes),
                        len(sizes),
                        sum(datas) // len(datas) if datas else None,
                        max(datas, default=None),
                        min(datas, default=None),
                        sum(logs) // len(logs) if logs else None,
                        max(logs, default=None),
                        min(logs, default=None),
                        change,
                        self.pct(avg, previous.get(ptype, avg)),
                        None,
                        None,
                        None,
                        None,
                        self.pct(avg, previous.get(ptype, avg)),
                        calculated,
                        calculated,
                    )
                )
                previous[ptype] = avg
        if orphan_ids:
            self.record("fk-missing", "public.database_size_aggregations.instance_id", "orphans",
                        sum(1 for r in rows if r[1] in orphan_ids), instance_ids=orphan_ids)
        self.out.add(
            "database_size_aggregations",
            (
                "id",
                "instance_id",
                "database_name",
                "period_type",
                "period_start",
                "period_end",
                "avg_size_mb",
                "max_size_mb",
                "min_size_mb",
                "data_count",
                "avg_data_size_mb",
                "max_data_size_mb",
                "min_data_size_mb",
                "avg_log_size_mb",
                "max_log_size_mb",
                "min_log_size_mb",
                "size_change_mb",
                "size_change_percent",
                "data_size_change_mb",
                "data_size_change_percent",
                "log_size_change_mb",
                "log_size_change_percent",
                "growth_rate",
                "calculated_at",
                "created_at",
            ),
            rows,
        )

    def instance_capacity(
        self, instances: list[dict[str, Any]], daily_total: dict[tuple[int, date], list[int]]
    ) -> None:
        stats, sid = [], 0
        per_instance: dict[int, list[tuple[date, int, int]]] = {}
        for (instance_id, day), sizes in sorted(daily_total.items()):
            sid += 1
            total = min(sum(sizes), 2**31 - 1)
            stats.append(
                (sid, instance_id, total, len(sizes), day, at(day, 2, 30), False, None, at(day, 3), at(day, 3))
            )
            per_instance.setdefault(instance_id, []).append((day, total, len(sizes)))
        self.out.add(
            "instance_size_stats",
            (
                "id",
                "instance_id",
                "total_size_mb",
                "database_count",
                "collected_date",
                "collected_at",
                "is_deleted",
                "deleted_at",
                "created_at",
                "updated_at",
            ),
            stats,
        )
        rows, aid = [], 0
        calculated = datetime(2025, 12, 26, 1, 5, tzinfo=UTC)
        for instance_id, series in per_instance.items():
            buckets: dict[tuple[str, date, date], list[tuple[date, int, int]]] = {}
            for sample in series:
                for key in self.periods(sample[0]):
                    buckets.setdefault(key, []).append(sample)
            previous: dict[str, tuple[int, int]] = {}
            for (ptype, start, end), samples in sorted(buckets.items(), key=lambda kv: (kv[0][0], kv[0][1])):
                totals, counts = [s[1] for s in samples], [s[2] for s in samples]
                avg, count = sum(totals) // len(totals), counts[-1]
                old_avg, old_count = previous.get(ptype, (avg, count))
                aid += 1
                change = avg - old_avg
                rows.append(
                    (
                        aid,
                        instance_id,
                        ptype,
                        start,
                        end,
                        totals[-1],
                        avg,
                        max(totals),
                        min(totals),
                        len(totals),
                        count,
                        Decimal(sum(counts) / len(counts)).quantize(Decimal("0.01")),
                        max(counts),
                        min(counts),
                        change,
                        self.pct(avg, old_avg),
                        count - old_count,
                        self.pct(count, old_count),
                        self.pct(avg, old_avg),
                        "growing" if change > 0 else "shrinking" if change < 0 else "stable",
                        calculated,
                        calculated,
                    )
                )
                previous[ptype] = (avg, count)
        self.out.add(
            "instance_size_aggregations",
            (
                "id",
                "instance_id",
                "period_type",
                "period_start",
                "period_end",
                "total_size_mb",
                "avg_size_mb",
                "max_size_mb",
                "min_size_mb",
                "data_count",
                "database_count",
                "avg_database_count",
                "max_database_count",
                "min_database_count",
                "total_size_change_mb",
                "total_size_change_percent",
                "database_count_change",
                "database_count_change_percent",
                "growth_rate",
                "trend_direction",
                "calculated_at",
                "created_at",
            ),
            rows,
        )

    def run(self) -> Tables:
        self.users()
        self.type_configs()
        creds = self.credentials()
        instances = self.instances(creds)
        self.tags(instances)
        accounts = self.accounts(instances)
        self.change_logs(accounts)
        self.classifications(accounts)
        self.sync_history(instances)
        self.logs(instances)
        self.capacity(instances)
        return self.out


# Load order respects the foreign keys.
LOAD_ORDER = (
    "users",
    "database_type_configs",
    "permission_configs",
    "credentials",
    "instances",
    "tags",
    "instance_tags",
    "instance_accounts",
    "account_permission",
    "account_change_log",
    "account_classifications",
    "classification_rules",
    "account_classification_assignments",
    "sync_sessions",
    "sync_instance_records",
    "unified_logs",
    "instance_databases",
    "database_size_stats",
    "database_size_aggregations",
    "instance_size_stats",
    "instance_size_aggregations",
)
# Row triggers that would fire once per loaded row; the generated rows already hold their effects.
LOAD_TRIGGERS = {
    "database_size_stats": "trg_update_instance_database_last_seen",
    "instance_size_stats": "instance_size_stats_partition_trigger",
}
SEQUENCES = {
    "account_permission": "current_account_sync_data_id_seq",
}


def libpq_url(url: str) -> str:
    """psycopg wants a libpq URL: drop a SQLAlchemy driver suffix (postgresql+psycopg://)."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+')[0]}{sep}{rest}" if sep else url


def load(conn: psycopg.Connection[Any], tables: Tables) -> None:
    with conn.transaction():
        if conn.execute("SELECT EXISTS (SELECT 1 FROM instances)").fetchone() != (False,):
            raise RuntimeError("the database already holds WhaleFall data; generate into an empty, migrated database")
        for table, trigger in LOAD_TRIGGERS.items():
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        with conn.cursor() as cur:
            for table in LOAD_ORDER:
                columns = ", ".join(f'"{c}"' for c in tables.columns[table])
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in tables.rows[table]:
                        copy.write_row(row)
        for table, trigger in LOAD_TRIGGERS.items():
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        for table in LOAD_ORDER:
            if "id" in tables.columns[table]:
                sequence = SEQUENCES.get(table, f"{table}_id_seq")
                conn.execute(f"SELECT setval('{sequence}', (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
    conn.execute("ANALYZE")


def generate(
    url: str, *, scale: float = 1.0, seed: int = 42, plant: bool = True, record: str | os.PathLike[str] | None = None
) -> dict[str, int]:
    """Generate and load the data into ``url``; returns the number of rows loaded per table.

    ``plant=False`` leaves out the planted problems; ``record`` names a JSON file to write them to.
    """
    generator = Generator(scale, seed, plant=plant)
    tables = generator.run()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        load(conn, tables)
    if record is not None:
        write_record(record, generator)
    return {table: len(tables.rows[table]) for table in LOAD_ORDER}


def write_record(path: str | os.PathLike[str], generator: Generator) -> None:
    """What was planted, as JSON: {"scale", "seed", "planted": [{"rule", "object", "kind", "count", ...}]}."""
    document = {"scale": generator.scale, "seed": generator.seed, "planted": generator.planted}
    with open(path, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2, default=str)
        out.write("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fill a migrated WhaleFall database with generated data.")
    parser.add_argument("url", help="postgresql://user@host/db (a migrated, empty database)")
    parser.add_argument("--scale", type=float, default=1.0, help="size multiplier (default 1.0: 300 instances)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--clean", action="store_true", help="plant no data problems")
    parser.add_argument("--record", metavar="FILE", help="write what was planted to FILE (JSON)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.url, scale=args.scale, seed=args.seed, plant=not args.clean, record=args.record)
    for table, count in counts.items():
        print(f"{table:40} {count:>10}")
    print(f"{'total':40} {sum(counts.values()):>10}  ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
