"""ORM models of WhaleFall. ``app.models:Base`` is the declarative base; every model is exported here."""

from __future__ import annotations

from app.models.account_change_log import AccountChangeLog
from app.models.account_classification import (
    AccountClassification,
    AccountClassificationAssignment,
    ClassificationRule,
)
from app.models.account_permission import AccountPermission
from app.models.base import Base
from app.models.credential import Credential
from app.models.database_size_aggregation import DatabaseSizeAggregation
from app.models.database_size_stat import DatabaseSizeStat
from app.models.database_type_config import DatabaseTypeConfig
from app.models.instance import Instance
from app.models.instance_account import InstanceAccount
from app.models.instance_database import InstanceDatabase
from app.models.instance_size_aggregation import InstanceSizeAggregation
from app.models.instance_size_stat import InstanceSizeStat
from app.models.permission_config import PermissionConfig
from app.models.sync_instance_record import SyncInstanceRecord
from app.models.sync_session import SyncSession, SyncStatus
from app.models.tag import Tag, instance_tags
from app.models.unified_log import LogLevel, UnifiedLog
from app.models.user import User

__all__ = [
    "AccountChangeLog",
    "AccountClassification",
    "AccountClassificationAssignment",
    "AccountPermission",
    "Base",
    "ClassificationRule",
    "Credential",
    "DatabaseSizeAggregation",
    "DatabaseSizeStat",
    "DatabaseTypeConfig",
    "Instance",
    "InstanceAccount",
    "InstanceDatabase",
    "InstanceSizeAggregation",
    "InstanceSizeStat",
    "LogLevel",
    "PermissionConfig",
    "SyncInstanceRecord",
    "SyncSession",
    "SyncStatus",
    "Tag",
    "UnifiedLog",
    "User",
    "instance_tags",
]
