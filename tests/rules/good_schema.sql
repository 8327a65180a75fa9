-- A well-designed schema (issue 4 acceptance): the whole registry must report no P0 or P1 on it.
-- Conventions: bigint identity keys; timestamptz; created_at/updated_at NOT NULL with an update
-- trigger; soft delete through deleted_at with partial unique indexes; every foreign key indexed
-- by its leading columns; CHECK constraints on status-like columns; jsonb with GIN; no duplicate
-- or redundant indexes; cascades only from a parent into its pure link tables.

CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

-- ---------------------------------------------------------------- tenancy and people
CREATE TABLE organizations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    slug text NOT NULL CHECK (slug ~ '^[a-z0-9-]+$'),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX organizations_slug_key ON organizations (slug) WHERE deleted_at IS NULL;

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL CHECK (position('@' IN email) > 1),
    display_name text NOT NULL,
    password_hash text NOT NULL,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('invited', 'active', 'disabled')),
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE deleted_at IS NULL;

CREATE TABLE organization_members (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations,
    user_id bigint NOT NULL REFERENCES users,
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member', 'guest')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organization_members_org_user_key UNIQUE (organization_id, user_id)
);
CREATE INDEX organization_members_user_id_idx ON organization_members (user_id);

CREATE TABLE teams (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX teams_org_name_key ON teams (organization_id, name) WHERE deleted_at IS NULL;
CREATE INDEX teams_organization_id_idx ON teams (organization_id);

CREATE TABLE team_members (
    team_id bigint NOT NULL REFERENCES teams ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_id_idx ON team_members (user_id);

CREATE TABLE invitations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations,
    invited_by bigint NOT NULL REFERENCES users,
    email text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'member', 'guest')),
    token_hash text NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_organization_id_idx ON invitations (organization_id);
CREATE INDEX invitations_invited_by_idx ON invitations (invited_by);

CREATE TABLE sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id bigint NOT NULL REFERENCES users,
    ip inet,
    user_agent text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users,
    name text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    last_used_at timestamptz,
    expires_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

-- ---------------------------------------------------------------- projects and work
CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations,
    key text NOT NULL CHECK (key ~ '^[A-Z][A-Z0-9]{1,9}$'),
    name text NOT NULL,
    description text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    settings jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX projects_org_key_key ON projects (organization_id, key) WHERE deleted_at IS NULL;
CREATE INDEX projects_organization_id_idx ON projects (organization_id);
CREATE INDEX projects_settings_idx ON projects USING gin (settings);

CREATE TABLE project_teams (
    project_id bigint NOT NULL REFERENCES projects ON DELETE CASCADE,
    team_id bigint NOT NULL REFERENCES teams,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, team_id)
);
CREATE INDEX project_teams_team_id_idx ON project_teams (team_id);

CREATE TABLE labels (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects,
    name text NOT NULL,
    color text NOT NULL DEFAULT '#888888' CHECK (color ~ '^#[0-9a-f]{6}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT labels_project_name_key UNIQUE (project_id, name)
);

CREATE TABLE milestones (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects,
    title text NOT NULL,
    due_on date,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX milestones_project_id_idx ON milestones (project_id, due_on);

CREATE TABLE tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects,
    number integer NOT NULL CHECK (number > 0),
    title text NOT NULL,
    description text,
    status text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'review', 'done')),
    priority smallint NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    assignee_id bigint REFERENCES users,
    reporter_id bigint NOT NULL REFERENCES users,
    due_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX tasks_project_number_key ON tasks (project_id, number) WHERE deleted_at IS NULL;
CREATE INDEX tasks_project_id_status_idx ON tasks (project_id, status);
CREATE INDEX tasks_assignee_id_idx ON tasks (assignee_id);
CREATE INDEX tasks_reporter_id_idx ON tasks (reporter_id);

CREATE TABLE milestone_tasks (
    milestone_id bigint NOT NULL REFERENCES milestones ON DELETE CASCADE,
    task_id bigint NOT NULL REFERENCES tasks ON DELETE CASCADE,
    PRIMARY KEY (milestone_id, task_id)
);
CREATE INDEX milestone_tasks_task_id_idx ON milestone_tasks (task_id);

CREATE TABLE task_labels (
    task_id bigint NOT NULL REFERENCES tasks ON DELETE CASCADE,
    label_id bigint NOT NULL REFERENCES labels ON DELETE CASCADE,
    PRIMARY KEY (task_id, label_id)
);
CREATE INDEX task_labels_label_id_idx ON task_labels (label_id);

CREATE TABLE task_watchers (
    task_id bigint NOT NULL REFERENCES tasks ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX task_watchers_user_id_idx ON task_watchers (user_id);

CREATE TABLE task_comments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id bigint NOT NULL REFERENCES tasks,
    author_id bigint NOT NULL REFERENCES users,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX task_comments_task_id_idx ON task_comments (task_id, created_at);
CREATE INDEX task_comments_author_id_idx ON task_comments (author_id);

CREATE TABLE task_attachments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id bigint NOT NULL REFERENCES tasks,
    uploaded_by bigint NOT NULL REFERENCES users,
    file_name text NOT NULL,
    content_type text NOT NULL CHECK (content_type ~ '^[a-z]+/[-+.a-z0-9]+$'),
    size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
    storage_key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_attachments_task_id_idx ON task_attachments (task_id);
CREATE INDEX task_attachments_uploaded_by_idx ON task_attachments (uploaded_by);

CREATE TABLE sprints (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects,
    name text NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'active', 'closed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sprints_dates_check CHECK (ends_on > starts_on)
);
CREATE INDEX sprints_project_id_idx ON sprints (project_id, starts_on);

CREATE TABLE sprint_tasks (
    sprint_id bigint NOT NULL REFERENCES sprints ON DELETE CASCADE,
    task_id bigint NOT NULL REFERENCES tasks ON DELETE CASCADE,
    PRIMARY KEY (sprint_id, task_id)
);
CREATE INDEX sprint_tasks_task_id_idx ON sprint_tasks (task_id);

CREATE TABLE time_entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id bigint NOT NULL REFERENCES tasks,
    user_id bigint NOT NULL REFERENCES users,
    started_at timestamptz NOT NULL,
    minutes integer NOT NULL CHECK (minutes > 0),
    note text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX time_entries_task_id_idx ON time_entries (task_id);
CREATE INDEX time_entries_user_id_idx ON time_entries (user_id, started_at);

CREATE TABLE documents (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects,
    title text NOT NULL,
    body text NOT NULL DEFAULT '',
    search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || body)) STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX documents_project_id_idx ON documents (project_id);
CREATE INDEX documents_search_idx ON documents USING gin (search_vector);

CREATE TABLE document_versions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES documents,
    version integer NOT NULL CHECK (version > 0),
    body text NOT NULL,
    created_by bigint NOT NULL REFERENCES users,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT document_versions_document_version_key UNIQUE (document_id, version)
);
CREATE INDEX document_versions_created_by_idx ON document_versions (created_by);

CREATE TABLE notifications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users,
    kind text NOT NULL CHECK (kind IN ('mention', 'assignment', 'comment', 'digest')),
    payload jsonb NOT NULL DEFAULT '{}',
    read_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_id_idx ON notifications (user_id, created_at);

-- ---------------------------------------------------------------- billing
CREATE TABLE plans (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE,
    name text NOT NULL,
    monthly_price_cents bigint NOT NULL CHECK (monthly_price_cents >= 0),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subscriptions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations,
    plan_id bigint NOT NULL REFERENCES plans,
    status text NOT NULL CHECK (status IN ('trialing', 'active', 'past_due', 'canceled')),
    current_period_start timestamptz NOT NULL,
    current_period_end timestamptz NOT NULL,
    canceled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX subscriptions_one_live_per_org ON subscriptions (organization_id)
    WHERE status IN ('trialing', 'active', 'past_due');
CREATE INDEX subscriptions_organization_id_idx ON subscriptions (organization_id, created_at);
CREATE INDEX subscriptions_plan_id_idx ON subscriptions (plan_id);

CREATE TABLE invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id bigint NOT NULL REFERENCES subscriptions,
    number text NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'paid', 'void')),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    total_cents bigint NOT NULL CHECK (total_cents >= 0),
    issued_at timestamptz,
    due_at timestamptz,
    paid_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_subscription_id_idx ON invoices (subscription_id, issued_at);

CREATE TABLE invoice_lines (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id bigint NOT NULL REFERENCES invoices ON DELETE CASCADE,
    description text NOT NULL,
    quantity integer NOT NULL CHECK (quantity > 0),
    unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0)
);
CREATE INDEX invoice_lines_invoice_id_idx ON invoice_lines (invoice_id);

CREATE TABLE payments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id bigint NOT NULL REFERENCES invoices,
    provider text NOT NULL CHECK (provider IN ('stripe', 'bank_transfer')),
    provider_reference text NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded')),
    paid_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payments_provider_reference_key UNIQUE (provider, provider_reference)
);
CREATE INDEX payments_invoice_id_idx ON payments (invoice_id);

CREATE TABLE countries (
    code text PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
    name text NOT NULL UNIQUE
);

CREATE TABLE addresses (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations,
    line1 text NOT NULL,
    line2 text,
    city text NOT NULL,
    postal_code text NOT NULL,
    country_code text NOT NULL REFERENCES countries,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX addresses_organization_id_idx ON addresses (organization_id);
CREATE INDEX addresses_country_code_idx ON addresses (country_code);

-- ---------------------------------------------------------------- integrations and flags
CREATE TABLE webhooks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations,
    url text NOT NULL CHECK (url ~ '^https://'),
    events text[] NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_organization_id_idx ON webhooks (organization_id);

CREATE TABLE webhook_deliveries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id bigint NOT NULL REFERENCES webhooks ON DELETE CASCADE,
    event text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    response_code integer,
    attempted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_webhook_id_idx ON webhook_deliveries (webhook_id, created_at);

CREATE TABLE integrations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations,
    provider text NOT NULL CHECK (provider IN ('github', 'gitlab', 'slack')),
    config jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT integrations_org_provider_key UNIQUE (organization_id, provider)
);

CREATE TABLE feature_flags (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key text NOT NULL UNIQUE,
    description text,
    enabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organization_feature_flags (
    organization_id bigint NOT NULL REFERENCES organizations,
    feature_flag_id bigint NOT NULL REFERENCES feature_flags ON DELETE CASCADE,
    enabled boolean NOT NULL,
    PRIMARY KEY (organization_id, feature_flag_id)
);
CREATE INDEX organization_feature_flags_flag_idx ON organization_feature_flags (feature_flag_id);

-- ---------------------------------------------------------------- history (partitioned by year)
CREATE TABLE audit_events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    organization_id bigint NOT NULL REFERENCES organizations,
    actor_id bigint REFERENCES users,
    entity_type text NOT NULL CHECK (entity_type IN ('project', 'task', 'document', 'invoice')),
    entity_key bigint NOT NULL,
    action text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    payload jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE INDEX audit_events_org_time_idx ON audit_events (organization_id, occurred_at);
CREATE INDEX audit_events_actor_id_idx ON audit_events (actor_id);

CREATE TABLE audit_events_2024 PARTITION OF audit_events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE audit_events_2025 PARTITION OF audit_events
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE audit_events_2026 PARTITION OF audit_events
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE audit_events_2027 PARTITION OF audit_events
    FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE TABLE audit_events_2028 PARTITION OF audit_events
    FOR VALUES FROM ('2028-01-01') TO ('2029-01-01');
CREATE TABLE audit_events_2029 PARTITION OF audit_events
    FOR VALUES FROM ('2029-01-01') TO ('2030-01-01');
CREATE TABLE audit_events_2030 PARTITION OF audit_events
    FOR VALUES FROM ('2030-01-01') TO ('2031-01-01');
CREATE TABLE audit_events_2031 PARTITION OF audit_events
    FOR VALUES FROM ('2031-01-01') TO ('2032-01-01');
CREATE TABLE audit_events_2032 PARTITION OF audit_events
    FOR VALUES FROM ('2032-01-01') TO ('2033-01-01');
CREATE TABLE audit_events_2033 PARTITION OF audit_events
    FOR VALUES FROM ('2033-01-01') TO ('2034-01-01');
CREATE TABLE audit_events_2034 PARTITION OF audit_events
    FOR VALUES FROM ('2034-01-01') TO ('2035-01-01');
CREATE TABLE audit_events_2035 PARTITION OF audit_events
    FOR VALUES FROM ('2035-01-01') TO ('2036-01-01');
CREATE TABLE audit_events_2036 PARTITION OF audit_events
    FOR VALUES FROM ('2036-01-01') TO ('2037-01-01');
CREATE TABLE audit_events_2037 PARTITION OF audit_events
    FOR VALUES FROM ('2037-01-01') TO ('2038-01-01');
CREATE TABLE audit_events_2038 PARTITION OF audit_events
    FOR VALUES FROM ('2038-01-01') TO ('2039-01-01');
CREATE TABLE audit_events_2039 PARTITION OF audit_events
    FOR VALUES FROM ('2039-01-01') TO ('2040-01-01');
CREATE TABLE audit_events_2040 PARTITION OF audit_events
    FOR VALUES FROM ('2040-01-01') TO ('2041-01-01');

-- ---------------------------------------------------------------- updated_at triggers
CREATE TRIGGER addresses_set_updated_at BEFORE UPDATE ON addresses FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER documents_set_updated_at BEFORE UPDATE ON documents FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER feature_flags_set_updated_at BEFORE UPDATE ON feature_flags FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER integrations_set_updated_at BEFORE UPDATE ON integrations FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER invoices_set_updated_at BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER labels_set_updated_at BEFORE UPDATE ON labels FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER milestones_set_updated_at BEFORE UPDATE ON milestones FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER organization_members_set_updated_at BEFORE UPDATE ON organization_members FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER organizations_set_updated_at BEFORE UPDATE ON organizations FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER plans_set_updated_at BEFORE UPDATE ON plans FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER sprints_set_updated_at BEFORE UPDATE ON sprints FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER subscriptions_set_updated_at BEFORE UPDATE ON subscriptions FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER task_comments_set_updated_at BEFORE UPDATE ON task_comments FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER tasks_set_updated_at BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER teams_set_updated_at BEFORE UPDATE ON teams FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER time_entries_set_updated_at BEFORE UPDATE ON time_entries FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER webhooks_set_updated_at BEFORE UPDATE ON webhooks FOR EACH ROW EXECUTE FUNCTION set_updated_at();
