-- The fleet: services sharing this database lease the sources they run (see the SQLite
-- schema for what each column means).
ALTER TABLE schedule ADD COLUMN lease_holder TEXT;
ALTER TABLE schedule ADD COLUMN lease_expires_at TEXT;
ALTER TABLE runs ADD COLUMN host_id TEXT;

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
