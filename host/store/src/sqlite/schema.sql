-- The current snapshot of each source (replaced only when a run succeeds), the run log, and
-- per-run licence counts. Column names are the runtime's neutral vocabulary; the CLI maps them
-- to its JSON and CSV keys.

-- A run's `mode` says how a successful run read: 'full', or 'incremental' (some kinds read as
-- changes or kept); `full_reason` why a run read in full (first run, asked for, interval, the
-- plugin's delta link rejected, ...).
CREATE TABLE IF NOT EXISTS runs (
    id             INTEGER PRIMARY KEY,
    source         TEXT NOT NULL,
    plugin         TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    plugin_sha256  TEXT NOT NULL,
    pid            INTEGER NOT NULL,
    started_at     TEXT NOT NULL,
    ended_at       TEXT,
    status         TEXT NOT NULL
        CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'cancelled')),
    error          TEXT,
    counts         TEXT,
    mode           TEXT,
    full_reason    TEXT,
    -- the machine the run ran on (its pid is that machine's)
    host           TEXT,
    -- the service that ran it (a `hosts` row), when a service did
    host_id        TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_source ON runs (source, id);

-- The state a plugin handed back with a source's last successful run (opaque to the host; for
-- the m365 plugin, its delta links), written in the same transaction as the snapshot it
-- describes. `full_at` and `refreshed` say when the source was last read in full, and when
-- each kind with an interval of its own (sign-in activity) was.
CREATE TABLE IF NOT EXISTS plugin_state (
    source    TEXT PRIMARY KEY,
    plugin    TEXT NOT NULL,
    run_id    INTEGER NOT NULL REFERENCES runs (id),
    saved_at  TEXT NOT NULL,
    state     BLOB,
    full_at   TEXT,
    refreshed TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;

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
    -- set for soft-deleted accounts (which may still hold licences until purged)
    deleted_date_time   TEXT,
    PRIMARY KEY (source, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS sign_ins (
    source                                 TEXT NOT NULL,
    account_id                             TEXT NOT NULL,
    last_sign_in_date_time                 TEXT,
    last_non_interactive_sign_in_date_time TEXT,
    last_successful_sign_in_date_time      TEXT,
    PRIMARY KEY (source, account_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS subscriptions (
    source                   TEXT NOT NULL,
    id                       TEXT NOT NULL,
    product_id                   TEXT NOT NULL,
    part_number          TEXT NOT NULL,
    status                   TEXT NOT NULL,
    total_licenses           INTEGER NOT NULL,
    is_trial                 INTEGER NOT NULL,
    created_date_time        TEXT,
    next_lifecycle_date_time TEXT,
    attributes               TEXT NOT NULL,
    PRIMARY KEY (source, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS devices (
    source                             TEXT NOT NULL,
    id                                 TEXT NOT NULL,
    display_name                       TEXT NOT NULL,
    device_id                          TEXT,
    operating_system                   TEXT,
    operating_system_version           TEXT,
    account_enabled                    INTEGER NOT NULL,
    trust_type                         TEXT,
    approximate_last_sign_in_date_time TEXT,
    registration_date_time             TEXT,
    attributes                         TEXT NOT NULL,
    PRIMARY KEY (source, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS device_owners (
    source     TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (source, device_id, account_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS device_owners_by_account ON device_owners (source, account_id);

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
-- An incremental run removes what hangs on a removed account, group or device by its ID.
CREATE INDEX IF NOT EXISTS memberships_by_member ON memberships (source, member_id);
-- The nesting of groups, for resolving the members of licence-assigning groups.
CREATE INDEX IF NOT EXISTS memberships_nesting ON memberships (source, group_id, member_id)
    WHERE member_kind = 'group';

-- The purchased units (enabled, warning, suspended, locked_out) are NULL when the source does
-- not tell how many were bought; display_name is the plugin's name for the product, if any.
CREATE TABLE IF NOT EXISTS products (
    source            TEXT NOT NULL,
    product_id        TEXT NOT NULL,
    part_number       TEXT NOT NULL,
    display_name      TEXT,
    capability_status TEXT NOT NULL,
    enabled           INTEGER,
    warning           INTEGER,
    suspended         INTEGER,
    locked_out        INTEGER,
    consumed_units    INTEGER NOT NULL,
    service_plans     TEXT NOT NULL,
    attributes        TEXT NOT NULL,
    PRIMARY KEY (source, product_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS assignments (
    source            TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    product_id            TEXT NOT NULL,
    -- '' for a direct assignment, else the group it is inherited from
    assigned_by_group TEXT NOT NULL,
    state             TEXT NOT NULL,
    error             TEXT,
    disabled_plans    TEXT NOT NULL,
    PRIMARY KEY (source, user_id, product_id, assigned_by_group)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS group_licenses (
    source         TEXT NOT NULL,
    group_id       TEXT NOT NULL,
    product_id         TEXT NOT NULL,
    disabled_plans TEXT NOT NULL,
    PRIMARY KEY (source, group_id, product_id)
) WITHOUT ROWID;

-- Members of licence-assigning groups, nested groups resolved (computed when a run commits).
-- via_group is the nested group through which the member is reached; NULL for direct members.
CREATE TABLE IF NOT EXISTS licence_group_members (
    source      TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_kind TEXT NOT NULL,
    via_group   TEXT,
    PRIMARY KEY (source, group_id, member_id, member_kind, via_group)
);

-- What changed from the previous successful run to this one (joiners, leavers, licences).
-- `id` is the change feed's cursor: assigned when the run commits, strictly increasing, never
-- reused (AUTOINCREMENT), so a consumer that asks for what came after it misses nothing.
CREATE TABLE IF NOT EXISTS changes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id         INTEGER NOT NULL REFERENCES runs (id),
    source         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    account_id     TEXT,
    principal_name TEXT,
    product_id         TEXT,
    detail         TEXT
);
CREATE INDEX IF NOT EXISTS changes_by_run ON changes (source, run_id);
CREATE INDEX IF NOT EXISTS changes_feed ON changes (source, id);

CREATE TABLE IF NOT EXISTS product_history (
    run_id            INTEGER NOT NULL REFERENCES runs (id),
    source            TEXT NOT NULL,
    product_id        TEXT NOT NULL,
    part_number       TEXT NOT NULL,
    capability_status TEXT NOT NULL,
    enabled           INTEGER,
    warning           INTEGER,
    suspended         INTEGER,
    locked_out        INTEGER,
    consumed_units    INTEGER NOT NULL,
    PRIMARY KEY (run_id, product_id)
) WITHOUT ROWID;

-- Webhook deliveries: one per configured webhook and successful run that recorded changes (the
-- run's cursor range), written in the run's transaction, so that nothing is lost when the
-- receiver is down or the process restarts; the service delivers and retries them. `webhook`
-- is the webhook's name (never its URL, which may carry a secret).
CREATE TABLE IF NOT EXISTS outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook         TEXT NOT NULL,
    source          TEXT NOT NULL,
    run_id          INTEGER NOT NULL REFERENCES runs (id),
    first_cursor    INTEGER NOT NULL,
    last_cursor     INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'abandoned')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    ended_at        TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);

-- When `itam serve` runs each source next, and how many runs in a row have failed (for the
-- backoff): kept here so a restart neither pushes a run back nor replays the ones it missed.
-- While a source runs, it is leased to one service (`lease_holder`, a `hosts` row) until
-- `lease_expires_at`, which the service renews while the run lasts.
CREATE TABLE IF NOT EXISTS schedule (
    source               TEXT PRIMARY KEY,
    next_run_at          TEXT NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    lease_holder         TEXT,
    lease_expires_at     TEXT
) WITHOUT ROWID;

-- Each `itam serve` process sharing the database, and when it last showed it was alive.
CREATE TABLE IF NOT EXISTS hosts (
    id           TEXT PRIMARY KEY,
    hostname     TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    version      TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    stopped_at   TEXT
);

-- Sources kept in the database (`itam source add`) beside the configuration file's, each as
-- one [[source]] table in the configuration file's TOML.
CREATE TABLE IF NOT EXISTS sources (
    name       TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    -- counts the definition's changes (services reload when the table changes)
    revision   INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

-- A pause the whole fleet keeps for one app (a client ID) after sustained throttling.
CREATE TABLE IF NOT EXISTS throttle (
    app          TEXT PRIMARY KEY,
    paused_until TEXT NOT NULL,
    reason       TEXT NOT NULL,
    set_by       TEXT NOT NULL
);
