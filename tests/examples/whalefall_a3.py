"""Section A3 of seeds/whalefall_db_audit_report.md, written down as data.

One block per table, in the report's order and vocabulary. Lines:

    <column> <type> [NN] [serial | = <default>]    types as in A3 (int4, varchar(n), timestamptz, ...)
    pk <name> (<columns>)
    unique <name> (<columns>)                       a UNIQUE constraint
    fk <name> (<columns>) -> <table>(<columns>) [on delete cascade|set null]
    check <name> <column>: <value>, <value>, ...    a CHECK "<column> IN (...)"
    index <name> (<columns>) [where <predicate>]    a plain index (not backing a constraint)
    unique index <name> (<columns>) [where ...]     a UNIQUE index that is not a constraint
    trigger <name> <before|after> <insert|update>
    partition range (<column>) monthly <YYYY-MM>..<YYYY-MM>

What A3 leaves implicit, and how it is written here:
- ``serial``: the column default nextval('<table>_id_seq'::regclass) of every integer id (A3 lists the
  columns as "int4 PK"; the export has the sequences and ``id`` is NOT NULL);
- string defaults are written 'x' and compared as 'x'::character varying;
- the columns A3 elides ("多列 jsonb 权限快照", "增量字段", "变化字段") are the ones the example chose;
- ``instance_size_stats`` partial unique index and ``uq_current_account_sync`` are indexes, not constraints;
- partitions: the fixed window 2025-06 .. 2026-12 chosen by the example's baseline.
"""

from __future__ import annotations

A3 = r"""
table users
  id int4 NN serial
  username varchar(255) NN
  password varchar(255) NN
  role varchar(50) NN = 'user'
  created_at timestamptz NN = now()
  last_login timestamptz
  is_active bool NN = true
  pk users_pkey (id)
  unique users_username_key (username)
  index ix_users_username (username)

table credentials
  id int4 NN serial
  name varchar(255) NN
  credential_type varchar(50) NN
  db_type varchar(50)
  username varchar(255) NN
  password varchar(255) NN
  description text
  category_id int4
  is_active bool NN = true
  created_at timestamptz = now()
  updated_at timestamptz = now()
  deleted_at timestamptz
  pk credentials_pkey (id)
  unique credentials_name_key (name)
  index ix_credentials_name (name)
  index ix_credentials_credential_type (credential_type)
  index ix_credentials_db_type (db_type)
  trigger update_credentials_updated_at before update

table instances
  id int4 NN serial
  name varchar(255) NN
  db_type varchar(50) NN
  host varchar(255) NN
  port int4 NN
  database_name varchar(255)
  database_version varchar(1000)
  main_version varchar(20)
  detailed_version varchar(50)
  sync_count int4 NN = 0
  credential_id int4
  description text
  is_active bool NN = true
  last_connected timestamptz
  created_at timestamptz = now()
  updated_at timestamptz = now()
  deleted_at timestamptz
  pk instances_pkey (id)
  fk instances_credential_id_fkey (credential_id) -> credentials(id)
  unique instances_name_key (name)
  index ix_instances_db_type (db_type)
  unique index ix_instances_name (name)
  trigger update_instances_updated_at before update

table tags
  id int4 NN serial
  name varchar(50) NN
  display_name varchar(100) NN
  category varchar(50) NN
  color varchar(20) NN = 'primary'
  is_active bool NN = true
  created_at timestamptz = now()
  updated_at timestamptz = now()
  pk tags_pkey (id)
  unique tags_name_key (name)
  index ix_tags_name (name)
  index ix_tags_category (category)
  trigger update_tags_updated_at before update

table instance_tags
  instance_id int4 NN
  tag_id int4 NN
  created_at timestamptz = now()
  pk instance_tags_pkey (instance_id, tag_id)
  fk instance_tags_instance_id_fkey (instance_id) -> instances(id)
  fk instance_tags_tag_id_fkey (tag_id) -> tags(id)

table instance_accounts
  id int4 NN serial
  instance_id int4 NN
  username varchar(255) NN
  db_type varchar(50) NN
  is_active bool NN = true
  first_seen_at timestamptz NN = now()
  last_seen_at timestamptz NN = now()
  deleted_at timestamptz
  created_at timestamptz NN = now()
  updated_at timestamptz NN = now()
  pk instance_accounts_pkey (id)
  fk instance_accounts_instance_id_fkey (instance_id) -> instances(id)
  unique uq_instance_account_instance_username (instance_id, db_type, username)
  index ix_instance_accounts_active (is_active)
  index ix_instance_accounts_last_seen (last_seen_at)
  index ix_instance_accounts_username (username)

table account_permission
  id int4 NN = nextval('current_account_sync_data_id_seq'::regclass)
  instance_id int4 NN
  db_type varchar(20) NN
  username varchar(255) NN
  is_superuser bool = false
  global_privileges jsonb
  database_privileges jsonb
  predefined_roles jsonb
  role_attributes jsonb
  database_privileges_pg jsonb
  tablespace_privileges jsonb
  server_roles jsonb
  server_permissions jsonb
  database_roles jsonb
  database_permissions jsonb
  oracle_roles jsonb
  system_privileges jsonb
  tablespace_privileges_oracle jsonb
  type_specific jsonb
  last_sync_time timestamptz = now()
  last_change_type varchar(20) = 'add'
  last_change_time timestamptz = now()
  instance_account_id int4 NN
  is_locked bool NN
  pk account_permission_pkey (id)
  fk fk_account_permission_instance (instance_id) -> instances(id)
  fk fk_account_permission_instance_account (instance_account_id) -> instance_accounts(id) on delete cascade
  unique index uq_current_account_sync (instance_id, db_type, username)
  index idx_instance_dbtype (instance_id, db_type)
  index idx_username (username)
  index idx_last_sync_time (last_sync_time)
  index idx_last_change_time (last_change_time)
  index ix_account_permission_is_locked (is_locked)

table account_change_log
  id int4 NN serial
  instance_id int4 NN
  db_type varchar(20) NN
  username varchar(255) NN
  change_type varchar(50) NN
  change_time timestamptz = now()
  session_id varchar(128)
  status varchar(20) = 'success'
  message text
  privilege_diff jsonb
  other_diff jsonb
  pk account_change_log_pkey (id)
  fk account_change_log_instance_id_fkey (instance_id) -> instances(id)
  index idx_instance_dbtype_username_time (instance_id, db_type, username, change_time)
  index idx_change_type_time (change_type, change_time)
  index idx_username_time (username, change_time)
  index idx_account_change_log_instance_id (instance_id)
  index idx_account_change_log_db_type (db_type)
  index idx_account_change_log_username (username)
  index idx_account_change_log_change_time (change_time)

table account_classifications
  id int4 NN serial
  name varchar(100) NN
  description text
  risk_level varchar(20) NN = 'medium'
  color varchar(20)
  icon_name varchar(50) = 'fa-tag'
  priority int4 = 0
  is_system bool NN = false
  is_active bool NN = true
  created_at timestamptz = now()
  updated_at timestamptz = now()
  pk account_classifications_pkey (id)
  unique account_classifications_name_key (name)
  trigger update_account_classifications_updated_at before update

table classification_rules
  id int4 NN serial
  classification_id int4 NN
  db_type varchar(20) NN
  rule_name varchar(100) NN
  rule_expression text NN
  is_active bool NN = true
  created_at timestamptz = now()
  updated_at timestamptz = now()
  pk classification_rules_pkey (id)
  fk classification_rules_classification_id_fkey (classification_id) -> account_classifications(id)
  trigger update_classification_rules_updated_at before update

table account_classification_assignments
  id int4 NN serial
  account_id int4 NN
  classification_id int4 NN
  assigned_by int4
  assignment_type varchar(20) NN = 'auto'
  confidence_score float4
  notes text
  batch_id varchar(36)
  is_active bool = true
  created_at timestamptz = now()
  updated_at timestamptz = now()
  rule_id int4
  assigned_at timestamptz NN
  pk account_classification_assignments_pkey (id)
  fk account_classification_assignments_account_id_fkey (account_id) -> account_permission(id)
  fk account_classification_assignments_classification_id_fkey (classification_id) -> account_classifications(id)
  fk account_classification_assignments_assigned_by_fkey (assigned_by) -> users(id)
  fk fk_account_classification_assignments_rule_id (rule_id) -> classification_rules(id) on delete set null
  unique unique_account_classification_batch (account_id, classification_id, batch_id)
  index idx_account_classification_assignments_account_id (account_id)
  index idx_account_classification_assignments_classification_id (classification_id)
  index idx_account_classification_assignments_is_active (is_active)
  trigger update_account_classification_assignments_updated_at before update

table permission_configs
  id int4 NN serial
  db_type varchar(50) NN
  category varchar(50) NN
  permission_name varchar(255) NN
  description text
  is_active bool = true
  sort_order int4 = 0
  created_at timestamptz = now()
  updated_at timestamptz = now()
  pk permission_configs_pkey (id)
  unique uq_permission_config (db_type, category, permission_name)
  index idx_permission_config_db_type (db_type)
  index idx_permission_config_category (category)
  trigger update_permission_configs_updated_at before update

table database_type_configs
  id int4 NN serial
  name varchar(50) NN
  display_name varchar(100) NN
  driver varchar(50) NN
  default_port int4 NN
  default_schema varchar(50) NN
  connection_timeout int4 = 30
  description text
  icon varchar(50) = 'fa-database'
  color varchar(20) = 'primary'
  features text
  is_active bool = true
  is_system bool = false
  sort_order int4 = 0
  created_at timestamptz = now()
  updated_at timestamptz = now()
  pk database_type_configs_pkey (id)
  unique database_type_configs_name_key (name)
  trigger update_database_type_configs_updated_at before update

table sync_sessions
  id int4 NN serial
  session_id varchar(36) NN
  sync_type varchar(20) NN
  sync_category varchar(20) NN = 'account'
  status varchar(20) NN = 'running'
  started_at timestamptz NN = now()
  completed_at timestamptz
  total_instances int4 = 0
  successful_instances int4 = 0
  failed_instances int4 = 0
  created_by int4
  created_at timestamptz = now()
  updated_at timestamptz = now()
  pk sync_sessions_pkey (id)
  unique sync_sessions_session_id_key (session_id)
  check sync_sessions_status_check status: running, completed, failed, cancelled
  check sync_sessions_sync_type_check sync_type: manual_single, manual_batch, manual_task, scheduled_task
  check sync_sessions_sync_category_check sync_category: account, capacity, config, aggregation, other
  index idx_sync_sessions_session_id (session_id)
  index idx_sync_sessions_status (status)
  index idx_sync_sessions_sync_category (sync_category)
  index idx_sync_sessions_sync_type (sync_type)
  index idx_sync_sessions_created_at (created_at)
  trigger update_sync_sessions_updated_at before update

table sync_instance_records
  id int4 NN serial
  session_id varchar(36) NN
  instance_id int4 NN
  instance_name varchar(255)
  sync_category varchar(20) NN = 'account'
  status varchar(20) NN = 'pending'
  started_at timestamptz
  completed_at timestamptz
  items_synced int4 = 0
  items_created int4 = 0
  items_updated int4 = 0
  items_deleted int4 = 0
  error_message text
  sync_details jsonb
  created_at timestamptz = now()
  pk sync_instance_records_pkey (id)
  fk sync_instance_records_session_id_fkey (session_id) -> sync_sessions(session_id) on delete cascade
  fk sync_instance_records_instance_id_fkey (instance_id) -> instances(id) on delete cascade
  check sync_instance_records_status_check status: pending, running, completed, failed
  check sync_instance_records_sync_category_check sync_category: account, capacity, config, aggregation, other
  index idx_sync_instance_records_session_id (session_id)
  index idx_sync_instance_records_instance_id (instance_id)
  index idx_sync_instance_records_status (status)
  index idx_sync_instance_records_sync_category (sync_category)
  index idx_sync_instance_records_created_at (created_at)

table unified_logs
  id int4 NN serial
  timestamp timestamptz NN
  level log_level NN
  module varchar(100) NN
  message text NN
  traceback text
  context jsonb
  created_at timestamptz NN = now()
  pk unified_logs_pkey (id)
  check unified_logs_level_check level: DEBUG, INFO, WARNING, ERROR, CRITICAL
  index idx_timestamp_level_module (timestamp, level, module)
  index idx_timestamp_module (timestamp, module)
  index idx_level_timestamp (level, timestamp)
  index idx_unified_logs_timestamp (timestamp)
  index idx_unified_logs_level (level)
  index idx_unified_logs_module (module)
  index idx_unified_logs_created_at (created_at)

table instance_databases
  id int4 NN serial
  instance_id int4 NN
  database_name varchar(255) NN
  is_active bool NN = true
  first_seen_date date NN = CURRENT_DATE
  last_seen_date date NN = CURRENT_DATE
  deleted_at timestamptz
  created_at timestamptz = now()
  updated_at timestamptz = now()
  pk instance_databases_pkey (id)
  fk instance_databases_instance_id_fkey (instance_id) -> instances(id) on delete cascade
  unique instance_databases_instance_id_database_name_key (instance_id, database_name)
  index ix_instance_databases_instance_id (instance_id)
  index ix_instance_databases_database_name (database_name)
  index ix_instance_databases_active (is_active)
  index ix_instance_databases_last_seen (last_seen_date)

table database_size_stats
  partition range (collected_date) monthly 2025-06..2026-12
  id int8 NN serial
  instance_id int4 NN
  database_name varchar(255) NN
  size_mb int8 NN
  data_size_mb int8
  log_size_mb int8
  collected_date date NN
  collected_at timestamptz NN = now()
  created_at timestamptz NN = now()
  updated_at timestamptz NN = now()
  pk database_size_stats_pkey (id, collected_date)
  fk database_size_stats_instance_id_fkey (instance_id) -> instances(id)
  unique uq_daily_database_size (instance_id, database_name, collected_date)
  index ix_database_size_stats_collected_date (collected_date)
  index ix_database_size_stats_instance_date (instance_id, collected_date)
  index ix_database_size_stats_instance_db (instance_id, database_name)
  trigger trg_update_instance_database_last_seen after insert

table database_size_aggregations
  partition range (period_start) monthly 2025-06..2026-12
  id int8 NN serial
  instance_id int4 NN
  database_name varchar(255) NN
  period_type varchar(20) NN
  period_start date NN
  period_end date NN
  avg_size_mb int8 NN
  max_size_mb int8 NN
  min_size_mb int8 NN
  data_count int4 NN
  avg_data_size_mb int8
  max_data_size_mb int8
  min_data_size_mb int8
  avg_log_size_mb int8
  max_log_size_mb int8
  min_log_size_mb int8
  size_change_mb int8 NN = 0
  size_change_percent numeric(10,2) NN = 0
  data_size_change_mb int8
  data_size_change_percent numeric(10,2)
  log_size_change_mb int8
  log_size_change_percent numeric(10,2)
  growth_rate numeric(10,2) NN = 0
  calculated_at timestamptz NN
  created_at timestamptz NN
  pk database_size_aggregations_pkey (id, period_start)
  unique uq_database_size_aggregation (instance_id, database_name, period_type, period_start)
  index ix_database_size_aggregations_id (id)
  index ix_database_size_aggregations_instance_period (instance_id, period_type, period_start)
  index ix_database_size_aggregations_period_type (period_type, period_start)

table instance_size_stats
  partition range (collected_date) monthly 2025-06..2026-12
  id int4 NN serial
  instance_id int4 NN
  total_size_mb int4 NN = 0
  database_count int4 NN = 0
  collected_date date NN
  collected_at timestamptz NN = now()
  is_deleted bool NN = false
  deleted_at timestamptz
  created_at timestamptz = now()
  updated_at timestamptz = now()
  pk instance_size_stats_pkey (id, collected_date)
  fk instance_size_stats_instance_id_fkey (instance_id) -> instances(id) on delete cascade
  unique index uq_instance_size_stats_instance_date (instance_id, collected_date) where (is_deleted = false)
  index ix_instance_size_stats_instance_date (instance_id, collected_date)
  index ix_instance_size_stats_collected_date (collected_date)
  index ix_instance_size_stats_deleted (is_deleted)
  index ix_instance_size_stats_instance_id (instance_id)
  index ix_instance_size_stats_total_size (total_size_mb)
  trigger instance_size_stats_partition_trigger before insert

table instance_size_aggregations
  partition range (period_start) monthly 2025-06..2026-12
  id int8 NN serial
  instance_id int4 NN
  period_type varchar(20) NN
  period_start date NN
  period_end date NN
  total_size_mb int8 NN
  avg_size_mb int8 NN
  max_size_mb int8 NN
  min_size_mb int8 NN
  data_count int4 NN
  database_count int4 NN
  avg_database_count numeric(10,2)
  max_database_count int4
  min_database_count int4
  total_size_change_mb int8
  total_size_change_percent numeric(10,2)
  database_count_change int4
  database_count_change_percent numeric(10,2)
  growth_rate numeric(10,2)
  trend_direction varchar(20)
  calculated_at timestamptz NN
  created_at timestamptz NN
  pk instance_size_aggregations_pkey (id, period_start)
  fk instance_size_aggregations_instance_id_fkey (instance_id) -> instances(id)
  unique uq_instance_size_aggregation (instance_id, period_type, period_start)
  index ix_instance_size_aggregations_id (id)
  index ix_instance_size_aggregations_instance_period (instance_id, period_type, period_start)
  index ix_instance_size_aggregations_period_type (period_type, period_start)
"""

# Objects outside the per-table blocks.
ENUMS = {"log_level": ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]}
# sequence -> the column that owns it; the legacy name of account_permission's sequence is a finding.
SEQUENCE_OWNERS = {"current_account_sync_data_id_seq": "account_permission.id"}
# A3 lists no FK here on purpose: the database lacks the one the ORM declares.
FOREIGN_KEYS_ABSENT = {"database_size_aggregations": ["instance_id"]}
