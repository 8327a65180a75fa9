-- A clean multi-tenant schema (issue 11): every FK indexed (one by a partial index WHERE fk IS NOT
-- NULL), tenant consistency through composite FKs to UNIQUE (id, tenant_id), an audit log that keeps
-- ids without FKs by design (written by a trigger), open vocabularies (polymorphic *_type, STI type,
-- content_type, postal state), updated_at maintained by a trigger.
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;

CREATE TABLE tenants (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants,
    email text NOT NULL,
    password_digest varchar(60) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_id_tenant_key UNIQUE (id, tenant_id),
    CONSTRAINT users_tenant_email_key UNIQUE (tenant_id, email)
);
CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants,
    owner_id bigint NOT NULL,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projects_id_tenant_key UNIQUE (id, tenant_id),
    CONSTRAINT projects_owner_fkey FOREIGN KEY (owner_id, tenant_id) REFERENCES users (id, tenant_id)
);
CREATE INDEX projects_owner_idx ON projects (owner_id, tenant_id);
CREATE INDEX projects_tenant_idx ON projects (tenant_id);
CREATE TABLE tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL,
    project_id bigint NOT NULL,
    assignee_id bigint,
    parent_task_id bigint REFERENCES tasks,
    type text NOT NULL DEFAULT 'Task',
    title text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tasks_project_fkey FOREIGN KEY (project_id, tenant_id) REFERENCES projects (id, tenant_id),
    CONSTRAINT tasks_assignee_fkey FOREIGN KEY (assignee_id, tenant_id) REFERENCES users (id, tenant_id)
);
CREATE INDEX tasks_project_idx ON tasks (project_id, tenant_id);
CREATE INDEX tasks_assignee_idx ON tasks (assignee_id, tenant_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX tasks_parent_idx ON tasks (parent_task_id) WHERE parent_task_id IS NOT NULL;
CREATE TABLE attachments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants,
    attachable_type text NOT NULL,
    attachable_id bigint NOT NULL,
    content_type text NOT NULL,
    sha256 text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_tenant_idx ON attachments (tenant_id);
CREATE INDEX attachments_attachable_idx ON attachments (attachable_type, attachable_id);
CREATE TABLE addresses (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants,
    street text NOT NULL, city text NOT NULL, state text, postal_code text NOT NULL, country text NOT NULL
);
CREATE INDEX addresses_tenant_idx ON addresses (tenant_id);
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL,
    user_id bigint,
    task_id bigint,
    action text NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    occurred_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE audit_log IS 'Append-only audit trail: ids outlive the rows they describe';
CREATE INDEX audit_log_tenant_time_idx ON audit_log (tenant_id, occurred_at);
CREATE FUNCTION audit_task() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO audit_log (tenant_id, task_id, action) VALUES (NEW.tenant_id, NEW.id, lower(TG_OP)); RETURN NEW; END $$;
CREATE TRIGGER tasks_audit AFTER INSERT OR UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION audit_task();
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER tasks_set_updated_at BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION set_updated_at();
