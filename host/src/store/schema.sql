-- The current snapshot of each source (replaced only when a run succeeds), the run log, and
-- per-run licence counts. Columns are named after the Graph properties they come from.

CREATE TABLE IF NOT EXISTS runs (
    id             INTEGER PRIMARY KEY,
    source         TEXT NOT NULL,
    plugin         TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    plugin_sha256  TEXT NOT NULL,
    pid            INTEGER NOT NULL,
    started_at     TEXT NOT NULL,
    ended_at       TEXT,
    status         TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    error          TEXT,
    counts         TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_source ON runs (source, id);

CREATE TABLE IF NOT EXISTS accounts (
    source              TEXT NOT NULL,
    id                  TEXT NOT NULL,
    user_principal_name TEXT NOT NULL,
    display_name        TEXT,
    mail                TEXT,
    account_enabled     INTEGER NOT NULL,
    user_type           TEXT NOT NULL,
    department          TEXT,
    job_title           TEXT,
    usage_location      TEXT,
    created_date_time   TEXT,
    attributes          TEXT NOT NULL,
    PRIMARY KEY (source, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS groups (
    source           TEXT NOT NULL,
    id               TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    group_types      TEXT NOT NULL,
    security_enabled INTEGER NOT NULL,
    mail_enabled     INTEGER NOT NULL,
    attributes       TEXT NOT NULL,
    PRIMARY KEY (source, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS memberships (
    source      TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_kind TEXT NOT NULL,
    PRIMARY KEY (source, group_id, member_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS products (
    source            TEXT NOT NULL,
    sku_id            TEXT NOT NULL,
    sku_part_number   TEXT NOT NULL,
    capability_status TEXT NOT NULL,
    enabled           INTEGER NOT NULL,
    warning           INTEGER NOT NULL,
    suspended         INTEGER NOT NULL,
    locked_out        INTEGER NOT NULL,
    consumed_units    INTEGER NOT NULL,
    service_plans     TEXT NOT NULL,
    attributes        TEXT NOT NULL,
    PRIMARY KEY (source, sku_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS assignments (
    source            TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    sku_id            TEXT NOT NULL,
    -- '' for a direct assignment, else the group it is inherited from
    assigned_by_group TEXT NOT NULL,
    state             TEXT NOT NULL,
    error             TEXT,
    disabled_plans    TEXT NOT NULL,
    PRIMARY KEY (source, user_id, sku_id, assigned_by_group)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS group_licenses (
    source         TEXT NOT NULL,
    group_id       TEXT NOT NULL,
    sku_id         TEXT NOT NULL,
    disabled_plans TEXT NOT NULL,
    PRIMARY KEY (source, group_id, sku_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS product_history (
    run_id            INTEGER NOT NULL REFERENCES runs (id),
    source            TEXT NOT NULL,
    sku_id            TEXT NOT NULL,
    sku_part_number   TEXT NOT NULL,
    capability_status TEXT NOT NULL,
    enabled           INTEGER NOT NULL,
    warning           INTEGER NOT NULL,
    suspended         INTEGER NOT NULL,
    locked_out        INTEGER NOT NULL,
    consumed_units    INTEGER NOT NULL,
    PRIMARY KEY (run_id, sku_id)
) WITHOUT ROWID;
