-- The store's tables on PostgreSQL: the same tables and columns as SQLite's schema.sql (its
-- comments say what each holds), in PostgreSQL's types. Times are RFC 3339 text in UTC, as on
-- SQLite, so that reports run the same SQL on both; flags are booleans.

CREATE TABLE runs (
    id             BIGSERIAL PRIMARY KEY,
    source         TEXT NOT NULL,
    plugin         TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    plugin_sha256  TEXT NOT NULL,
    pid            BIGINT NOT NULL,
    started_at     TEXT NOT NULL,
    ended_at       TEXT,
    status         TEXT NOT NULL
        CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'cancelled')),
    error          TEXT,
    counts         TEXT,
    mode           TEXT,
    full_reason    TEXT,
    host           TEXT
);
CREATE INDEX runs_by_source ON runs (source, id);

CREATE TABLE plugin_state (
    source    TEXT PRIMARY KEY,
    plugin    TEXT NOT NULL,
    run_id    BIGINT NOT NULL REFERENCES runs (id),
    saved_at  TEXT NOT NULL,
    state     BYTEA,
    full_at   TEXT,
    refreshed TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE accounts (
    source              TEXT NOT NULL,
    id                  TEXT NOT NULL,
    user_principal_name TEXT NOT NULL,
    display_name        TEXT,
    mail                TEXT,
    account_enabled     BOOLEAN NOT NULL,
    user_type           TEXT NOT NULL,
    department          TEXT,
    job_title           TEXT,
    usage_location      TEXT,
    created_date_time   TEXT,
    attributes          TEXT NOT NULL,
    deleted_date_time   TEXT,
    PRIMARY KEY (source, id)
);

CREATE TABLE sign_ins (
    source                                 TEXT NOT NULL,
    account_id                             TEXT NOT NULL,
    last_sign_in_date_time                 TEXT,
    last_non_interactive_sign_in_date_time TEXT,
    last_successful_sign_in_date_time      TEXT,
    PRIMARY KEY (source, account_id)
);

CREATE TABLE subscriptions (
    source                   TEXT NOT NULL,
    id                       TEXT NOT NULL,
    product_id               TEXT NOT NULL,
    part_number              TEXT NOT NULL,
    status                   TEXT NOT NULL,
    total_licenses           BIGINT NOT NULL,
    is_trial                 BOOLEAN NOT NULL,
    created_date_time        TEXT,
    next_lifecycle_date_time TEXT,
    attributes               TEXT NOT NULL,
    PRIMARY KEY (source, id)
);

CREATE TABLE devices (
    source                             TEXT NOT NULL,
    id                                 TEXT NOT NULL,
    display_name                       TEXT NOT NULL,
    device_id                          TEXT,
    operating_system                   TEXT,
    operating_system_version           TEXT,
    account_enabled                    BOOLEAN NOT NULL,
    trust_type                         TEXT,
    approximate_last_sign_in_date_time TEXT,
    registration_date_time             TEXT,
    attributes                         TEXT NOT NULL,
    PRIMARY KEY (source, id)
);

CREATE TABLE device_owners (
    source     TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (source, device_id, account_id)
);
CREATE INDEX device_owners_by_account ON device_owners (source, account_id);

CREATE TABLE groups (
    source           TEXT NOT NULL,
    id               TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    group_types      TEXT NOT NULL,
    security_enabled BOOLEAN NOT NULL,
    mail_enabled     BOOLEAN NOT NULL,
    attributes       TEXT NOT NULL,
    PRIMARY KEY (source, id)
);

CREATE TABLE memberships (
    source      TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_kind TEXT NOT NULL,
    PRIMARY KEY (source, group_id, member_id)
);
CREATE INDEX memberships_by_member ON memberships (source, member_id);
CREATE INDEX memberships_nesting ON memberships (source, group_id, member_id)
    WHERE member_kind = 'group';

CREATE TABLE products (
    source            TEXT NOT NULL,
    product_id        TEXT NOT NULL,
    part_number       TEXT NOT NULL,
    display_name      TEXT,
    capability_status TEXT NOT NULL,
    enabled           BIGINT,
    warning           BIGINT,
    suspended         BIGINT,
    locked_out        BIGINT,
    consumed_units    BIGINT NOT NULL,
    service_plans     TEXT NOT NULL,
    attributes        TEXT NOT NULL,
    PRIMARY KEY (source, product_id)
);

CREATE TABLE assignments (
    source            TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    product_id        TEXT NOT NULL,
    assigned_by_group TEXT NOT NULL,
    state             TEXT NOT NULL,
    error             TEXT,
    disabled_plans    TEXT NOT NULL,
    PRIMARY KEY (source, user_id, product_id, assigned_by_group)
);

CREATE TABLE group_licenses (
    source         TEXT NOT NULL,
    group_id       TEXT NOT NULL,
    product_id     TEXT NOT NULL,
    disabled_plans TEXT NOT NULL,
    PRIMARY KEY (source, group_id, product_id)
);

-- via_group is NULL for direct members, so the key is a unique constraint that counts NULLs
-- as equal (a primary key cannot hold NULL).
CREATE TABLE licence_group_members (
    source      TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_kind TEXT NOT NULL,
    via_group   TEXT,
    UNIQUE NULLS NOT DISTINCT (source, group_id, member_id, member_kind, via_group)
);

-- Change IDs come from a sequence; runs publish their changes one at a time (an advisory
-- lock held to commit), so the IDs of committed changes only grow: the feed's cursor holds.
CREATE TABLE changes (
    id             BIGSERIAL PRIMARY KEY,
    run_id         BIGINT NOT NULL REFERENCES runs (id),
    source         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    account_id     TEXT,
    principal_name TEXT,
    product_id     TEXT,
    detail         TEXT
);
CREATE INDEX changes_by_run ON changes (source, run_id);
CREATE INDEX changes_feed ON changes (source, id);

CREATE TABLE product_history (
    run_id            BIGINT NOT NULL REFERENCES runs (id),
    source            TEXT NOT NULL,
    product_id        TEXT NOT NULL,
    part_number       TEXT NOT NULL,
    capability_status TEXT NOT NULL,
    enabled           BIGINT,
    warning           BIGINT,
    suspended         BIGINT,
    locked_out        BIGINT,
    consumed_units    BIGINT NOT NULL,
    PRIMARY KEY (run_id, product_id)
);

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    webhook         TEXT NOT NULL,
    source          TEXT NOT NULL,
    run_id          BIGINT NOT NULL REFERENCES runs (id),
    first_cursor    BIGINT NOT NULL,
    last_cursor     BIGINT NOT NULL,
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'abandoned')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    ended_at        TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE schedule (
    source               TEXT PRIMARY KEY,
    next_run_at          TEXT NOT NULL,
    consecutive_failures BIGINT NOT NULL DEFAULT 0
);
