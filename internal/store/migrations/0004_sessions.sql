-- Server-side sessions, shared by every app server. The id is the SHA-256 of
-- the token in the cookie, so a copy of the database cannot be used to take
-- over a session.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);

CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, for throttling per account and per source address. Rows
-- older than the throttling window are removed as new ones arrive.
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at  TEXT NOT NULL
);

CREATE INDEX login_failures_key ON login_failures (key, at);
