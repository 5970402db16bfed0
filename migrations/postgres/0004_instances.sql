-- Many instances on one database (PostgreSQL only; SQLite is one process). These tables are
-- coordination, not records: UNLOGGED (no WAL, so no flush per write; a database crash empties
-- them, which ends every turn and refills every allowance, as a restart of all instances would).
-- Each instance
-- registers itself with the backend of a connection it holds open: when the process dies, that
-- connection closes and other instances see it gone at once; a heartbeat older than the
-- instance's lease counts as dead too (a hung host, a partition).
CREATE UNLOGGED TABLE chat_instances (
    id TEXT PRIMARY KEY,
    backend_pid INTEGER NOT NULL,
    backend_start TIMESTAMPTZ,
    lease_ms BIGINT NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL
);

-- A turn and the instance running it; at most one live turn per thread, across instances.
CREATE UNLOGGED TABLE chat_runs (
    run_id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at TIMESTAMPTZ,
    outcome TEXT
);
CREATE UNIQUE INDEX chat_runs_live ON chat_runs (thread_id) WHERE ended_at IS NULL;
CREATE INDEX chat_runs_ended ON chat_runs (ended_at) WHERE ended_at IS NOT NULL;

-- Every frame a turn has sent, in order: a resume on another instance replays, then follows.
CREATE UNLOGGED TABLE chat_run_frames (
    run_id TEXT NOT NULL REFERENCES chat_runs (run_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    frame BYTEA NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- The rate limiter's GCRA state shared by all instances: the theoretical arrival time (µs since
-- the Unix epoch) per bucket and key; rows back at full allowance are pruned.
CREATE UNLOGGED TABLE rate_limits (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    tat_us BIGINT NOT NULL,
    PRIMARY KEY (bucket, key)
);
