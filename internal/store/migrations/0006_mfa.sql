-- TOTP multifactor authentication. The secret is sealed by the vault (never
-- stored in clear); totp_last_step refuses a code used before. Recovery
-- codes are stored hashed and used once. An organisation can require MFA of
-- all its members. A session is "mfa" (password checked, code awaited) or
-- "full".
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN require_mfa BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, code_hash)
);
