-- When the user of a session last confirmed their password (and code), for
-- privileged actions; '' until they do.
ALTER TABLE sessions ADD COLUMN reauth_at TEXT NOT NULL DEFAULT '';
