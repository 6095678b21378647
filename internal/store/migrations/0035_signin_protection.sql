-- Browsers that signed in to an account before ("known devices"): the id is
-- the SHA-256 of the token in the browser's device cookie. Failed sign-ins
-- from anywhere else slow down strangers, never a user's own browsers.
CREATE TABLE known_devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT NOT NULL
);

CREATE INDEX known_devices_user ON known_devices (user_id, last_used_at);

-- Failed sign-ins to an account since its last sign-in, told to the user
-- when they next sign in: counted on the user, then carried by the session
-- that signed in until the user has read them.
ALTER TABLE users ADD COLUMN failed_signins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_signin_at TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN failed_signin_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN failed_signins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN failed_signin_at TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN failed_signin_ip TEXT NOT NULL DEFAULT '';
