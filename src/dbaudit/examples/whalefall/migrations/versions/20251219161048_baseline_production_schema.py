"""Baseline of the production schema (exported from the production database, public schema).

Notes:
- Generated from a schema-only export of production on 2025-12-19 and pasted verbatim, so it keeps
  what the export contained: redundant indexes next to unique constraints, legacy object names
  (``current_account_sync_data_id_seq``), trigger functions, and no foreign key on
  ``database_size_aggregations.instance_id``.
- The export did not contain primary keys for ``database_size_stats`` / ``database_size_aggregations``
  (added by 20251224164000) and still had ``credentials.instance_ids`` (dropped by 20251224120000).
- Monthly partitions: a fixed window 2025-06 .. 2026-12 is created for the four capacity tables (the
  export contained the partitions that existed then; fixed dates keep the schema deterministic).
  Later months are created by app/tasks/partition_management_tasks.py (and, for instance_size_stats,
  by the BEFORE INSERT trigger).
- There is deliberately no downgrade: rolling back the baseline means dropping the whole database.

Revision ID: 20251219161048
Revises:
Create Date: 2025-12-19 16:10:48

"""

from __future__ import annotations

from datetime import date

from alembic import op

# revision identifiers, used by Alembic.
revision = "20251219161048"
down_revision = None
branch_labels = None
depends_on = None


SCHEMA_SQL = r"""
--
-- PostgreSQL database dump (schema only), public schema of whalefall_prod
-- Dumped from database version 15.14
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET client_min_messages = warning;

--
-- Name: log_level; Type: TYPE; Schema: public
--

CREATE TYPE public.log_level AS ENUM (
    'DEBUG',
    'INFO',
    'WARNING',
    'ERROR',
    'CRITICAL'
);

--
-- Name: update_updated_at_column(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.update_updated_at_column() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$;

--
-- Name: update_instance_database_last_seen(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.update_instance_database_last_seen() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    -- every capacity sample marks its database as seen (and revives it if it was marked deleted)
    UPDATE instance_databases
       SET last_seen_date = NEW.collected_date,
           is_active = TRUE,
           deleted_at = NULL,
           updated_at = NOW()
     WHERE instance_id = NEW.instance_id
       AND database_name = NEW.database_name;
    RETURN NEW;
END;
$$;

--
-- Name: instance_size_stats_partition_trigger(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.instance_size_stats_partition_trigger() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    month_start date := date_trunc('month', NEW.collected_date)::date;
    partition_name text := 'instance_size_stats_' || to_char(NEW.collected_date, 'YYYY_MM');
BEGIN
    IF to_regclass('public.' || partition_name) IS NULL THEN
        EXECUTE format(
            'CREATE TABLE public.%I PARTITION OF public.instance_size_stats FOR VALUES FROM (%L) TO (%L)',
            partition_name, month_start, (month_start + interval '1 month')::date
        );
        RAISE NOTICE 'created partition %', partition_name;
    END IF;
    RETURN NEW;
END;
$$;

--
-- Name: create_database_size_partition(date); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.create_database_size_partition(partition_date date) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    month_start date := date_trunc('month', partition_date)::date;
    partition_name text := 'database_size_stats_' || to_char(partition_date, 'YYYY_MM');
BEGIN
    IF to_regclass('public.' || partition_name) IS NULL THEN
        EXECUTE format(
            'CREATE TABLE public.%I PARTITION OF public.database_size_stats FOR VALUES FROM (%L) TO (%L)',
            partition_name, month_start, (month_start + interval '1 month')::date
        );
    END IF;
END;
$$;

SET default_tablespace = '';
SET default_table_access_method = heap;

--
-- Name: account_change_log; Type: TABLE; Schema: public
--

CREATE TABLE public.account_change_log (
    id integer NOT NULL,
    instance_id integer NOT NULL,
    db_type character varying(20) NOT NULL,
    username character varying(255) NOT NULL,
    change_type character varying(50) NOT NULL,
    change_time timestamp with time zone DEFAULT now(),
    session_id character varying(128),
    status character varying(20) DEFAULT 'success'::character varying,
    message text,
    privilege_diff jsonb,
    other_diff jsonb
);

CREATE SEQUENCE public.account_change_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.account_change_log_id_seq OWNED BY public.account_change_log.id;

--
-- Name: account_classification_assignments; Type: TABLE; Schema: public
--

CREATE TABLE public.account_classification_assignments (
    id integer NOT NULL,
    account_id integer NOT NULL,
    classification_id integer NOT NULL,
    assigned_by integer,
    assignment_type character varying(20) DEFAULT 'auto'::character varying NOT NULL,
    confidence_score real,
    notes text,
    batch_id character varying(36),
    is_active boolean DEFAULT true,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now(),
    rule_id integer,
    assigned_at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.account_classification_assignments_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.account_classification_assignments_id_seq OWNED BY public.account_classification_assignments.id;

--
-- Name: account_classifications; Type: TABLE; Schema: public
--

CREATE TABLE public.account_classifications (
    id integer NOT NULL,
    name character varying(100) NOT NULL,
    description text,
    risk_level character varying(20) DEFAULT 'medium'::character varying NOT NULL,
    color character varying(20),
    icon_name character varying(50) DEFAULT 'fa-tag'::character varying,
    priority integer DEFAULT 0,
    is_system boolean DEFAULT false NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now()
);

CREATE SEQUENCE public.account_classifications_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.account_classifications_id_seq OWNED BY public.account_classifications.id;

--
-- Name: account_permission; Type: TABLE; Schema: public
-- (the table was renamed from current_account_sync_data; its sequence kept the old name)
--

CREATE TABLE public.account_permission (
    id integer NOT NULL,
    instance_id integer NOT NULL,
    db_type character varying(20) NOT NULL,
    username character varying(255) NOT NULL,
    is_superuser boolean DEFAULT false,
    global_privileges jsonb,
    database_privileges jsonb,
    predefined_roles jsonb,
    role_attributes jsonb,
    database_privileges_pg jsonb,
    tablespace_privileges jsonb,
    server_roles jsonb,
    server_permissions jsonb,
    database_roles jsonb,
    database_permissions jsonb,
    oracle_roles jsonb,
    system_privileges jsonb,
    tablespace_privileges_oracle jsonb,
    type_specific jsonb,
    last_sync_time timestamp with time zone DEFAULT now(),
    last_change_type character varying(20) DEFAULT 'add'::character varying,
    last_change_time timestamp with time zone DEFAULT now(),
    instance_account_id integer NOT NULL,
    is_locked boolean NOT NULL
);

CREATE SEQUENCE public.current_account_sync_data_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.current_account_sync_data_id_seq OWNED BY public.account_permission.id;

--
-- Name: classification_rules; Type: TABLE; Schema: public
--

CREATE TABLE public.classification_rules (
    id integer NOT NULL,
    classification_id integer NOT NULL,
    db_type character varying(20) NOT NULL,
    rule_name character varying(100) NOT NULL,
    rule_expression text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now()
);

CREATE SEQUENCE public.classification_rules_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.classification_rules_id_seq OWNED BY public.classification_rules.id;

--
-- Name: credentials; Type: TABLE; Schema: public
--

CREATE TABLE public.credentials (
    id integer NOT NULL,
    name character varying(255) NOT NULL,
    credential_type character varying(50) NOT NULL,
    db_type character varying(50),
    username character varying(255) NOT NULL,
    password character varying(255) NOT NULL,
    description text,
    instance_ids jsonb,
    category_id integer,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now(),
    deleted_at timestamp with time zone
);

CREATE SEQUENCE public.credentials_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.credentials_id_seq OWNED BY public.credentials.id;

--
-- Name: database_size_aggregations; Type: TABLE; Schema: public
-- (partitioned by month; NOTE: no primary key and no foreign key in this export)
--

CREATE TABLE public.database_size_aggregations (
    id bigint NOT NULL,
    instance_id integer NOT NULL,
    database_name character varying(255) NOT NULL,
    period_type character varying(20) NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    avg_size_mb bigint NOT NULL,
    max_size_mb bigint NOT NULL,
    min_size_mb bigint NOT NULL,
    data_count integer NOT NULL,
    avg_data_size_mb bigint,
    max_data_size_mb bigint,
    min_data_size_mb bigint,
    avg_log_size_mb bigint,
    max_log_size_mb bigint,
    min_log_size_mb bigint,
    size_change_mb bigint DEFAULT 0 NOT NULL,
    size_change_percent numeric(10,2) DEFAULT 0 NOT NULL,
    data_size_change_mb bigint,
    data_size_change_percent numeric(10,2),
    log_size_change_mb bigint,
    log_size_change_percent numeric(10,2),
    growth_rate numeric(10,2) DEFAULT 0 NOT NULL,
    calculated_at timestamp without time zone NOT NULL,
    created_at timestamp without time zone NOT NULL
)
PARTITION BY RANGE (period_start);

CREATE SEQUENCE public.database_size_aggregations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.database_size_aggregations_id_seq OWNED BY public.database_size_aggregations.id;

--
-- Name: database_size_stats; Type: TABLE; Schema: public
-- (partitioned by month; NOTE: no primary key in this export)
--

CREATE TABLE public.database_size_stats (
    id bigint NOT NULL,
    instance_id integer NOT NULL,
    database_name character varying(255) NOT NULL,
    size_mb bigint NOT NULL,
    data_size_mb bigint,
    log_size_mb bigint,
    collected_date date NOT NULL,
    collected_at timestamp with time zone DEFAULT now() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
)
PARTITION BY RANGE (collected_date);

CREATE SEQUENCE public.database_size_stats_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.database_size_stats_id_seq OWNED BY public.database_size_stats.id;

--
-- Name: database_type_configs; Type: TABLE; Schema: public
--

CREATE TABLE public.database_type_configs (
    id integer NOT NULL,
    name character varying(50) NOT NULL,
    display_name character varying(100) NOT NULL,
    driver character varying(50) NOT NULL,
    default_port integer NOT NULL,
    default_schema character varying(50) NOT NULL,
    connection_timeout integer DEFAULT 30,
    description text,
    icon character varying(50) DEFAULT 'fa-database'::character varying,
    color character varying(20) DEFAULT 'primary'::character varying,
    features text,
    is_active boolean DEFAULT true,
    is_system boolean DEFAULT false,
    sort_order integer DEFAULT 0,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now()
);

CREATE SEQUENCE public.database_type_configs_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.database_type_configs_id_seq OWNED BY public.database_type_configs.id;

--
-- Name: instance_accounts; Type: TABLE; Schema: public
--

CREATE TABLE public.instance_accounts (
    id integer NOT NULL,
    instance_id integer NOT NULL,
    username character varying(255) NOT NULL,
    db_type character varying(50) NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    first_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    deleted_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE SEQUENCE public.instance_accounts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.instance_accounts_id_seq OWNED BY public.instance_accounts.id;

--
-- Name: instance_databases; Type: TABLE; Schema: public
--

CREATE TABLE public.instance_databases (
    id integer NOT NULL,
    instance_id integer NOT NULL,
    database_name character varying(255) NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    first_seen_date date DEFAULT CURRENT_DATE NOT NULL,
    last_seen_date date DEFAULT CURRENT_DATE NOT NULL,
    deleted_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now()
);

COMMENT ON TABLE public.instance_databases IS '实例-数据库关系表, 维护数据库的存在状态';
COMMENT ON COLUMN public.instance_databases.is_active IS '数据库是否活跃(未删除)';
COMMENT ON COLUMN public.instance_databases.last_seen_date IS '最后发现日期';

CREATE SEQUENCE public.instance_databases_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.instance_databases_id_seq OWNED BY public.instance_databases.id;

--
-- Name: instance_size_aggregations; Type: TABLE; Schema: public
-- (partitioned by month)
--

CREATE TABLE public.instance_size_aggregations (
    id bigint NOT NULL,
    instance_id integer NOT NULL,
    period_type character varying(20) NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    total_size_mb bigint NOT NULL,
    avg_size_mb bigint NOT NULL,
    max_size_mb bigint NOT NULL,
    min_size_mb bigint NOT NULL,
    data_count integer NOT NULL,
    database_count integer NOT NULL,
    avg_database_count numeric(10,2),
    max_database_count integer,
    min_database_count integer,
    total_size_change_mb bigint,
    total_size_change_percent numeric(10,2),
    database_count_change integer,
    database_count_change_percent numeric(10,2),
    growth_rate numeric(10,2),
    trend_direction character varying(20),
    calculated_at timestamp without time zone NOT NULL,
    created_at timestamp without time zone NOT NULL
)
PARTITION BY RANGE (period_start);

CREATE SEQUENCE public.instance_size_aggregations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.instance_size_aggregations_id_seq OWNED BY public.instance_size_aggregations.id;

--
-- Name: instance_size_stats; Type: TABLE; Schema: public
-- (partitioned by month; still carries is_deleted/deleted_at, unlike database_size_stats)
--

CREATE TABLE public.instance_size_stats (
    id integer NOT NULL,
    instance_id integer NOT NULL,
    total_size_mb integer DEFAULT 0 NOT NULL,
    database_count integer DEFAULT 0 NOT NULL,
    collected_date date NOT NULL,
    collected_at timestamp with time zone DEFAULT now() NOT NULL,
    is_deleted boolean DEFAULT false NOT NULL,
    deleted_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now()
)
PARTITION BY RANGE (collected_date);

CREATE SEQUENCE public.instance_size_stats_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.instance_size_stats_id_seq OWNED BY public.instance_size_stats.id;

--
-- Name: instance_tags; Type: TABLE; Schema: public
--

CREATE TABLE public.instance_tags (
    instance_id integer NOT NULL,
    tag_id integer NOT NULL,
    created_at timestamp with time zone DEFAULT now()
);

--
-- Name: instances; Type: TABLE; Schema: public
--

CREATE TABLE public.instances (
    id integer NOT NULL,
    name character varying(255) NOT NULL,
    db_type character varying(50) NOT NULL,
    host character varying(255) NOT NULL,
    port integer NOT NULL,
    database_name character varying(255),
    database_version character varying(1000),
    main_version character varying(20),
    detailed_version character varying(50),
    sync_count integer DEFAULT 0 NOT NULL,
    credential_id integer,
    description text,
    is_active boolean DEFAULT true NOT NULL,
    last_connected timestamp with time zone,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now(),
    deleted_at timestamp with time zone
);

CREATE SEQUENCE public.instances_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.instances_id_seq OWNED BY public.instances.id;

--
-- Name: permission_configs; Type: TABLE; Schema: public
--

CREATE TABLE public.permission_configs (
    id integer NOT NULL,
    db_type character varying(50) NOT NULL,
    category character varying(50) NOT NULL,
    permission_name character varying(255) NOT NULL,
    description text,
    is_active boolean DEFAULT true,
    sort_order integer DEFAULT 0,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now()
);

CREATE SEQUENCE public.permission_configs_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.permission_configs_id_seq OWNED BY public.permission_configs.id;

--
-- Name: sync_instance_records; Type: TABLE; Schema: public
--

CREATE TABLE public.sync_instance_records (
    id integer NOT NULL,
    session_id character varying(36) NOT NULL,
    instance_id integer NOT NULL,
    instance_name character varying(255),
    sync_category character varying(20) DEFAULT 'account'::character varying NOT NULL,
    status character varying(20) DEFAULT 'pending'::character varying NOT NULL,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    items_synced integer DEFAULT 0,
    items_created integer DEFAULT 0,
    items_updated integer DEFAULT 0,
    items_deleted integer DEFAULT 0,
    error_message text,
    sync_details jsonb,
    created_at timestamp with time zone DEFAULT now(),
    CONSTRAINT sync_instance_records_status_check CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, 'running'::character varying, 'completed'::character varying, 'failed'::character varying])::text[]))),
    CONSTRAINT sync_instance_records_sync_category_check CHECK (((sync_category)::text = ANY ((ARRAY['account'::character varying, 'capacity'::character varying, 'config'::character varying, 'aggregation'::character varying, 'other'::character varying])::text[])))
);

CREATE SEQUENCE public.sync_instance_records_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.sync_instance_records_id_seq OWNED BY public.sync_instance_records.id;

--
-- Name: sync_sessions; Type: TABLE; Schema: public
--

CREATE TABLE public.sync_sessions (
    id integer NOT NULL,
    session_id character varying(36) NOT NULL,
    sync_type character varying(20) NOT NULL,
    sync_category character varying(20) DEFAULT 'account'::character varying NOT NULL,
    status character varying(20) DEFAULT 'running'::character varying NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    completed_at timestamp with time zone,
    total_instances integer DEFAULT 0,
    successful_instances integer DEFAULT 0,
    failed_instances integer DEFAULT 0,
    created_by integer,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now(),
    CONSTRAINT sync_sessions_status_check CHECK (((status)::text = ANY ((ARRAY['running'::character varying, 'completed'::character varying, 'failed'::character varying, 'cancelled'::character varying])::text[]))),
    CONSTRAINT sync_sessions_sync_category_check CHECK (((sync_category)::text = ANY ((ARRAY['account'::character varying, 'capacity'::character varying, 'config'::character varying, 'aggregation'::character varying, 'other'::character varying])::text[]))),
    CONSTRAINT sync_sessions_sync_type_check CHECK (((sync_type)::text = ANY ((ARRAY['manual_single'::character varying, 'manual_batch'::character varying, 'manual_task'::character varying, 'scheduled_task'::character varying])::text[])))
);

CREATE SEQUENCE public.sync_sessions_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.sync_sessions_id_seq OWNED BY public.sync_sessions.id;

--
-- Name: tags; Type: TABLE; Schema: public
--

CREATE TABLE public.tags (
    id integer NOT NULL,
    name character varying(50) NOT NULL,
    display_name character varying(100) NOT NULL,
    category character varying(50) NOT NULL,
    color character varying(20) DEFAULT 'primary'::character varying NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now()
);

CREATE SEQUENCE public.tags_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.tags_id_seq OWNED BY public.tags.id;

--
-- Name: unified_logs; Type: TABLE; Schema: public
--

CREATE TABLE public.unified_logs (
    id integer NOT NULL,
    "timestamp" timestamp with time zone NOT NULL,
    level public.log_level NOT NULL,
    module character varying(100) NOT NULL,
    message text NOT NULL,
    traceback text,
    context jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT unified_logs_level_check CHECK (((level)::text = ANY ((ARRAY['DEBUG'::character varying, 'INFO'::character varying, 'WARNING'::character varying, 'ERROR'::character varying, 'CRITICAL'::character varying])::text[])))
);

CREATE SEQUENCE public.unified_logs_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.unified_logs_id_seq OWNED BY public.unified_logs.id;

--
-- Name: users; Type: TABLE; Schema: public
--

CREATE TABLE public.users (
    id integer NOT NULL,
    username character varying(255) NOT NULL,
    password character varying(255) NOT NULL,
    role character varying(50) DEFAULT 'user'::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_login timestamp with time zone,
    is_active boolean DEFAULT true NOT NULL
);

CREATE SEQUENCE public.users_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;

--
-- Column defaults (serial ids)
--

ALTER TABLE ONLY public.account_change_log ALTER COLUMN id SET DEFAULT nextval('public.account_change_log_id_seq'::regclass);
ALTER TABLE ONLY public.account_classification_assignments ALTER COLUMN id SET DEFAULT nextval('public.account_classification_assignments_id_seq'::regclass);
ALTER TABLE ONLY public.account_classifications ALTER COLUMN id SET DEFAULT nextval('public.account_classifications_id_seq'::regclass);
ALTER TABLE ONLY public.account_permission ALTER COLUMN id SET DEFAULT nextval('public.current_account_sync_data_id_seq'::regclass);
ALTER TABLE ONLY public.classification_rules ALTER COLUMN id SET DEFAULT nextval('public.classification_rules_id_seq'::regclass);
ALTER TABLE ONLY public.credentials ALTER COLUMN id SET DEFAULT nextval('public.credentials_id_seq'::regclass);
ALTER TABLE public.database_size_aggregations ALTER COLUMN id SET DEFAULT nextval('public.database_size_aggregations_id_seq'::regclass);
ALTER TABLE public.database_size_stats ALTER COLUMN id SET DEFAULT nextval('public.database_size_stats_id_seq'::regclass);
ALTER TABLE ONLY public.database_type_configs ALTER COLUMN id SET DEFAULT nextval('public.database_type_configs_id_seq'::regclass);
ALTER TABLE ONLY public.instance_accounts ALTER COLUMN id SET DEFAULT nextval('public.instance_accounts_id_seq'::regclass);
ALTER TABLE ONLY public.instance_databases ALTER COLUMN id SET DEFAULT nextval('public.instance_databases_id_seq'::regclass);
ALTER TABLE public.instance_size_aggregations ALTER COLUMN id SET DEFAULT nextval('public.instance_size_aggregations_id_seq'::regclass);
ALTER TABLE public.instance_size_stats ALTER COLUMN id SET DEFAULT nextval('public.instance_size_stats_id_seq'::regclass);
ALTER TABLE ONLY public.instances ALTER COLUMN id SET DEFAULT nextval('public.instances_id_seq'::regclass);
ALTER TABLE ONLY public.permission_configs ALTER COLUMN id SET DEFAULT nextval('public.permission_configs_id_seq'::regclass);
ALTER TABLE ONLY public.sync_instance_records ALTER COLUMN id SET DEFAULT nextval('public.sync_instance_records_id_seq'::regclass);
ALTER TABLE ONLY public.sync_sessions ALTER COLUMN id SET DEFAULT nextval('public.sync_sessions_id_seq'::regclass);
ALTER TABLE ONLY public.tags ALTER COLUMN id SET DEFAULT nextval('public.tags_id_seq'::regclass);
ALTER TABLE ONLY public.unified_logs ALTER COLUMN id SET DEFAULT nextval('public.unified_logs_id_seq'::regclass);
ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);

--
-- Primary keys
--

ALTER TABLE ONLY public.account_change_log
    ADD CONSTRAINT account_change_log_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.account_classification_assignments
    ADD CONSTRAINT account_classification_assignments_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.account_classifications
    ADD CONSTRAINT account_classifications_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.account_permission
    ADD CONSTRAINT account_permission_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.classification_rules
    ADD CONSTRAINT classification_rules_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.credentials
    ADD CONSTRAINT credentials_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.database_type_configs
    ADD CONSTRAINT database_type_configs_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.instance_accounts
    ADD CONSTRAINT instance_accounts_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.instance_databases
    ADD CONSTRAINT instance_databases_pkey PRIMARY KEY (id);
ALTER TABLE public.instance_size_aggregations
    ADD CONSTRAINT instance_size_aggregations_pkey PRIMARY KEY (id, period_start);
ALTER TABLE public.instance_size_stats
    ADD CONSTRAINT instance_size_stats_pkey PRIMARY KEY (id, collected_date);
ALTER TABLE ONLY public.instance_tags
    ADD CONSTRAINT instance_tags_pkey PRIMARY KEY (instance_id, tag_id);
ALTER TABLE ONLY public.instances
    ADD CONSTRAINT instances_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.permission_configs
    ADD CONSTRAINT permission_configs_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.sync_instance_records
    ADD CONSTRAINT sync_instance_records_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.sync_sessions
    ADD CONSTRAINT sync_sessions_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.tags
    ADD CONSTRAINT tags_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.unified_logs
    ADD CONSTRAINT unified_logs_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

--
-- Unique constraints
--

ALTER TABLE ONLY public.account_classifications
    ADD CONSTRAINT account_classifications_name_key UNIQUE (name);
ALTER TABLE ONLY public.credentials
    ADD CONSTRAINT credentials_name_key UNIQUE (name);
ALTER TABLE ONLY public.database_type_configs
    ADD CONSTRAINT database_type_configs_name_key UNIQUE (name);
ALTER TABLE ONLY public.instance_databases
    ADD CONSTRAINT instance_databases_instance_id_database_name_key UNIQUE (instance_id, database_name);
ALTER TABLE ONLY public.instances
    ADD CONSTRAINT instances_name_key UNIQUE (name);
ALTER TABLE ONLY public.sync_sessions
    ADD CONSTRAINT sync_sessions_session_id_key UNIQUE (session_id);
ALTER TABLE ONLY public.tags
    ADD CONSTRAINT tags_name_key UNIQUE (name);
ALTER TABLE ONLY public.account_classification_assignments
    ADD CONSTRAINT unique_account_classification_batch UNIQUE (account_id, classification_id, batch_id);
ALTER TABLE public.database_size_stats
    ADD CONSTRAINT uq_daily_database_size UNIQUE (instance_id, database_name, collected_date);
ALTER TABLE public.database_size_aggregations
    ADD CONSTRAINT uq_database_size_aggregation UNIQUE (instance_id, database_name, period_type, period_start);
ALTER TABLE ONLY public.instance_accounts
    ADD CONSTRAINT uq_instance_account_instance_username UNIQUE (instance_id, db_type, username);
ALTER TABLE public.instance_size_aggregations
    ADD CONSTRAINT uq_instance_size_aggregation UNIQUE (instance_id, period_type, period_start);
ALTER TABLE ONLY public.permission_configs
    ADD CONSTRAINT uq_permission_config UNIQUE (db_type, category, permission_name);

--
-- Indexes
--

CREATE INDEX idx_account_change_log_change_time ON public.account_change_log USING btree (change_time);
CREATE INDEX idx_account_change_log_db_type ON public.account_change_log USING btree (db_type);
CREATE INDEX idx_account_change_log_instance_id ON public.account_change_log USING btree (instance_id);
CREATE INDEX idx_account_change_log_username ON public.account_change_log USING btree (username);
CREATE INDEX idx_change_type_time ON public.account_change_log USING btree (change_type, change_time);
CREATE INDEX idx_instance_dbtype_username_time ON public.account_change_log USING btree (instance_id, db_type, username, change_time);
CREATE INDEX idx_username_time ON public.account_change_log USING btree (username, change_time);

CREATE INDEX idx_account_classification_assignments_account_id ON public.account_classification_assignments USING btree (account_id);
CREATE INDEX idx_account_classification_assignments_classification_id ON public.account_classification_assignments USING btree (classification_id);
CREATE INDEX idx_account_classification_assignments_is_active ON public.account_classification_assignments USING btree (is_active);

CREATE INDEX idx_instance_dbtype ON public.account_permission USING btree (instance_id, db_type);
CREATE INDEX idx_last_change_time ON public.account_permission USING btree (last_change_time);
CREATE INDEX idx_last_sync_time ON public.account_permission USING btree (last_sync_time);
CREATE INDEX idx_username ON public.account_permission USING btree (username);
CREATE INDEX ix_account_permission_is_locked ON public.account_permission USING btree (is_locked);
CREATE UNIQUE INDEX uq_current_account_sync ON public.account_permission USING btree (instance_id, db_type, username);

CREATE INDEX ix_credentials_credential_type ON public.credentials USING btree (credential_type);
CREATE INDEX ix_credentials_db_type ON public.credentials USING btree (db_type);
CREATE INDEX ix_credentials_name ON public.credentials USING btree (name);

CREATE INDEX ix_database_size_aggregations_id ON public.database_size_aggregations USING btree (id);
CREATE INDEX ix_database_size_aggregations_instance_period ON public.database_size_aggregations USING btree (instance_id, period_type, period_start);
CREATE INDEX ix_database_size_aggregations_period_type ON public.database_size_aggregations USING btree (period_type, period_start);

CREATE INDEX ix_database_size_stats_collected_date ON public.database_size_stats USING btree (collected_date);
CREATE INDEX ix_database_size_stats_instance_date ON public.database_size_stats USING btree (instance_id, collected_date);
CREATE INDEX ix_database_size_stats_instance_db ON public.database_size_stats USING btree (instance_id, database_name);

CREATE INDEX ix_instance_accounts_active ON public.instance_accounts USING btree (is_active);
CREATE INDEX ix_instance_accounts_last_seen ON public.instance_accounts USING btree (last_seen_at);
CREATE INDEX ix_instance_accounts_username ON public.instance_accounts USING btree (username);

CREATE INDEX ix_instance_databases_active ON public.instance_databases USING btree (is_active);
CREATE INDEX ix_instance_databases_database_name ON public.instance_databases USING btree (database_name);
CREATE INDEX ix_instance_databases_instance_id ON public.instance_databases USING btree (instance_id);
CREATE INDEX ix_instance_databases_last_seen ON public.instance_databases USING btree (last_seen_date);

CREATE INDEX ix_instance_size_aggregations_id ON public.instance_size_aggregations USING btree (id);
CREATE INDEX ix_instance_size_aggregations_instance_period ON public.instance_size_aggregations USING btree (instance_id, period_type, period_start);
CREATE INDEX ix_instance_size_aggregations_period_type ON public.instance_size_aggregations USING btree (period_type, period_start);

CREATE INDEX ix_instance_size_stats_collected_date ON public.instance_size_stats USING btree (collected_date);
CREATE INDEX ix_instance_size_stats_deleted ON public.instance_size_stats USING btree (is_deleted);
CREATE INDEX ix_instance_size_stats_instance_date ON public.instance_size_stats USING btree (instance_id, collected_date);
CREATE INDEX ix_instance_size_stats_instance_id ON public.instance_size_stats USING btree (instance_id);
CREATE INDEX ix_instance_size_stats_total_size ON public.instance_size_stats USING btree (total_size_mb);
CREATE UNIQUE INDEX uq_instance_size_stats_instance_date ON public.instance_size_stats USING btree (instance_id, collected_date) WHERE (is_deleted = false);

CREATE INDEX ix_instances_db_type ON public.instances USING btree (db_type);
CREATE UNIQUE INDEX ix_instances_name ON public.instances USING btree (name);

CREATE INDEX idx_permission_config_category ON public.permission_configs USING btree (category);
CREATE INDEX idx_permission_config_db_type ON public.permission_configs USING btree (db_type);

CREATE INDEX idx_sync_instance_records_created_at ON public.sync_instance_records USING btree (created_at);
CREATE INDEX idx_sync_instance_records_instance_id ON public.sync_instance_records USING btree (instance_id);
CREATE INDEX idx_sync_instance_records_session_id ON public.sync_instance_records USING btree (session_id);
CREATE INDEX idx_sync_instance_records_status ON public.sync_instance_records USING btree (status);
CREATE INDEX idx_sync_instance_records_sync_category ON public.sync_instance_records USING btree (sync_category);

CREATE INDEX idx_sync_sessions_created_at ON public.sync_sessions USING btree (created_at);
CREATE INDEX idx_sync_sessions_session_id ON public.sync_sessions USING btree (session_id);
CREATE INDEX idx_sync_sessions_status ON public.sync_sessions USING btree (status);
CREATE INDEX idx_sync_sessions_sync_category ON public.sync_sessions USING btree (sync_category);
CREATE INDEX idx_sync_sessions_sync_type ON public.sync_sessions USING btree (sync_type);

CREATE INDEX ix_tags_category ON public.tags USING btree (category);
CREATE INDEX ix_tags_name ON public.tags USING btree (name);

CREATE INDEX idx_level_timestamp ON public.unified_logs USING btree (level, "timestamp");
CREATE INDEX idx_timestamp_level_module ON public.unified_logs USING btree ("timestamp", level, module);
CREATE INDEX idx_timestamp_module ON public.unified_logs USING btree ("timestamp", module);
CREATE INDEX idx_unified_logs_created_at ON public.unified_logs USING btree (created_at);
CREATE INDEX idx_unified_logs_level ON public.unified_logs USING btree (level);
CREATE INDEX idx_unified_logs_module ON public.unified_logs USING btree (module);
CREATE INDEX idx_unified_logs_timestamp ON public.unified_logs USING btree ("timestamp");

CREATE INDEX ix_users_username ON public.users USING btree (username);
ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_username_key UNIQUE (username);

--
-- Triggers
--

CREATE TRIGGER instance_size_stats_partition_trigger BEFORE INSERT ON public.instance_size_stats FOR EACH ROW EXECUTE FUNCTION public.instance_size_stats_partition_trigger();
CREATE TRIGGER trg_update_instance_database_last_seen AFTER INSERT ON public.database_size_stats FOR EACH ROW EXECUTE FUNCTION public.update_instance_database_last_seen();
CREATE TRIGGER update_account_classification_assignments_updated_at BEFORE UPDATE ON public.account_classification_assignments FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER update_account_classifications_updated_at BEFORE UPDATE ON public.account_classifications FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER update_classification_rules_updated_at BEFORE UPDATE ON public.classification_rules FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER update_credentials_updated_at BEFORE UPDATE ON public.credentials FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER update_database_type_configs_updated_at BEFORE UPDATE ON public.database_type_configs FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER update_instances_updated_at BEFORE UPDATE ON public.instances FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER update_permission_configs_updated_at BEFORE UPDATE ON public.permission_configs FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER update_sync_sessions_updated_at BEFORE UPDATE ON public.sync_sessions FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER update_tags_updated_at BEFORE UPDATE ON public.tags FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

--
-- Foreign keys
-- (database_size_aggregations.instance_id has none: the ORM declares one, the database never did)
--

ALTER TABLE ONLY public.account_change_log
    ADD CONSTRAINT account_change_log_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES public.instances(id);
ALTER TABLE ONLY public.account_classification_assignments
    ADD CONSTRAINT account_classification_assignments_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account_permission(id);
ALTER TABLE ONLY public.account_classification_assignments
    ADD CONSTRAINT account_classification_assignments_assigned_by_fkey FOREIGN KEY (assigned_by) REFERENCES public.users(id);
ALTER TABLE ONLY public.account_classification_assignments
    ADD CONSTRAINT account_classification_assignments_classification_id_fkey FOREIGN KEY (classification_id) REFERENCES public.account_classifications(id);
ALTER TABLE ONLY public.account_classification_assignments
    ADD CONSTRAINT fk_account_classification_assignments_rule_id FOREIGN KEY (rule_id) REFERENCES public.classification_rules(id) ON DELETE SET NULL;
ALTER TABLE ONLY public.account_permission
    ADD CONSTRAINT fk_account_permission_instance FOREIGN KEY (instance_id) REFERENCES public.instances(id);
ALTER TABLE ONLY public.account_permission
    ADD CONSTRAINT fk_account_permission_instance_account FOREIGN KEY (instance_account_id) REFERENCES public.instance_accounts(id) ON DELETE CASCADE;
ALTER TABLE ONLY public.classification_rules
    ADD CONSTRAINT classification_rules_classification_id_fkey FOREIGN KEY (classification_id) REFERENCES public.account_classifications(id);
ALTER TABLE ONLY public.instance_accounts
    ADD CONSTRAINT instance_accounts_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES public.instances(id);
ALTER TABLE ONLY public.instance_databases
    ADD CONSTRAINT instance_databases_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES public.instances(id) ON DELETE CASCADE;
ALTER TABLE ONLY public.instance_tags
    ADD CONSTRAINT instance_tags_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES public.instances(id);
ALTER TABLE ONLY public.instance_tags
    ADD CONSTRAINT instance_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES public.tags(id);
ALTER TABLE ONLY public.instances
    ADD CONSTRAINT instances_credential_id_fkey FOREIGN KEY (credential_id) REFERENCES public.credentials(id);
ALTER TABLE ONLY public.sync_instance_records
    ADD CONSTRAINT sync_instance_records_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES public.instances(id) ON DELETE CASCADE;
ALTER TABLE ONLY public.sync_instance_records
    ADD CONSTRAINT sync_instance_records_session_id_fkey FOREIGN KEY (session_id) REFERENCES public.sync_sessions(session_id) ON DELETE CASCADE;
ALTER TABLE public.database_size_stats
    ADD CONSTRAINT database_size_stats_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES public.instances(id);
ALTER TABLE public.instance_size_aggregations
    ADD CONSTRAINT instance_size_aggregations_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES public.instances(id);
ALTER TABLE public.instance_size_stats
    ADD CONSTRAINT instance_size_stats_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES public.instances(id) ON DELETE CASCADE;
"""

# The four monthly RANGE-partitioned capacity tables and their partition keys' tables.
PARTITIONED_TABLES = (
    "database_size_stats",
    "database_size_aggregations",
    "instance_size_stats",
    "instance_size_aggregations",
)
FIRST_PARTITION_MONTH = date(2025, 6, 1)
LAST_PARTITION_MONTH = date(2026, 12, 1)


def _months(first: date, last: date) -> list[date]:
    months, current = [], first
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def partitions_sql() -> str:
    """CREATE TABLE ... PARTITION OF for every capacity table and month of the fixed window."""
    statements = []
    for table in PARTITIONED_TABLES:
        for start in _months(FIRST_PARTITION_MONTH, LAST_PARTITION_MONTH):
            end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            statements.append(
                f"CREATE TABLE public.{table}_{start:%Y_%m} PARTITION OF public.{table} "
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}');"
            )
    return "\n".join(statements)


def upgrade() -> None:
    op.execute(SCHEMA_SQL)
    op.execute(partitions_sql())


def downgrade() -> None:
    raise NotImplementedError(
        "The baseline has no downgrade: it creates the whole schema. Roll back with a new migration."
    )
