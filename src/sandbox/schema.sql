-- The sandbox's state. Events and superevents have their own tables; annotations (logs,
-- files, labels) hang off an object named by (kind, object): kind 'E' for an event row,
-- 'S' for a superevent row.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    graceid          TEXT NOT NULL UNIQUE,
    grp              TEXT NOT NULL,
    pipeline         TEXT NOT NULL,
    search           TEXT,
    submitter        TEXT NOT NULL,
    created          INTEGER NOT NULL,          -- Unix seconds
    gpstime          REAL,
    far              REAL,
    likelihood       REAL,
    nevents          INTEGER,
    instruments      TEXT NOT NULL DEFAULT '',
    offline          INTEGER NOT NULL DEFAULT 0,
    extra_attributes TEXT NOT NULL DEFAULT '{}', -- JSON
    content_id       TEXT,
    superevent       INTEGER REFERENCES superevents(id)
);
CREATE INDEX IF NOT EXISTS events_gpstime ON events(gpstime);
CREATE INDEX IF NOT EXISTS events_content_id ON events(content_id);
CREATE INDEX IF NOT EXISTS events_superevent ON events(superevent);

CREATE TABLE IF NOT EXISTS superevents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    superevent_id   TEXT NOT NULL UNIQUE,
    gw_id           TEXT UNIQUE,
    category        TEXT NOT NULL,              -- P, T or M
    submitter       TEXT NOT NULL,
    created         INTEGER NOT NULL,
    preferred_event INTEGER NOT NULL REFERENCES events(id),
    t_start         REAL NOT NULL,
    t_0             REAL NOT NULL,
    t_end           REAL NOT NULL,
    em_type         TEXT,
    time_coinc_far  REAL,
    space_coinc_far REAL,
    is_exposed      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS superevents_t_0 ON superevents(t_0);

-- Per (date, category) counters behind superevent ID suffixes; scope 'S' or 'GW'.
CREATE TABLE IF NOT EXISTS id_counters (
    scope    TEXT NOT NULL,
    date     TEXT NOT NULL,
    category TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (scope, date, category)
);

CREATE TABLE IF NOT EXISTS logs (
    kind         TEXT NOT NULL,
    object       INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    comment      TEXT NOT NULL,
    issuer       TEXT NOT NULL,
    created      INTEGER NOT NULL,
    filename     TEXT NOT NULL DEFAULT '',
    file_version INTEGER,
    PRIMARY KEY (kind, object, n)
);

CREATE TABLE IF NOT EXISTS tags (
    name         TEXT PRIMARY KEY,
    display_name TEXT
);

CREATE TABLE IF NOT EXISTS log_tags (
    kind   TEXT NOT NULL,
    object INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    tag    TEXT NOT NULL REFERENCES tags(name),
    PRIMARY KEY (kind, object, n, tag)
);

CREATE TABLE IF NOT EXISTS labels (
    kind    TEXT NOT NULL,
    object  INTEGER NOT NULL,
    name    TEXT NOT NULL,
    creator TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (kind, object, name)
);

CREATE TABLE IF NOT EXISTS files (
    kind    TEXT NOT NULL,
    object  INTEGER NOT NULL,
    name    TEXT NOT NULL,
    version INTEGER NOT NULL,
    size    INTEGER NOT NULL,
    PRIMARY KEY (kind, object, name, version)
);

CREATE TABLE IF NOT EXISTS signoffs (
    superevent   INTEGER NOT NULL REFERENCES superevents(id),
    signoff_type TEXT NOT NULL,                 -- OP or ADV
    instrument   TEXT NOT NULL,                 -- '' for ADV
    status       TEXT NOT NULL,                 -- OK or NO
    comment      TEXT NOT NULL,
    submitter    TEXT NOT NULL,
    PRIMARY KEY (superevent, signoff_type, instrument)
);

-- Per-pipeline preferred events of a superevent (besides its overall preferred event).
CREATE TABLE IF NOT EXISTS pipeline_preferred (
    superevent INTEGER NOT NULL REFERENCES superevents(id),
    pipeline   TEXT NOT NULL,
    event      INTEGER NOT NULL REFERENCES events(id),
    PRIMARY KEY (superevent, pipeline)
);
