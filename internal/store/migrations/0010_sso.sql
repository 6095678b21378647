-- Single sign-on with OpenID Connect, configured per organisation. The client
-- secret is sealed by the vault. A sign-in in flight keeps its state, nonce
-- and PKCE verifier here (the state hashed), so any server can complete it.
CREATE TABLE org_sso (
    org_id               TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    issuer               TEXT NOT NULL,
    client_id            TEXT NOT NULL,
    client_secret_sealed TEXT NOT NULL,
    email_domain         TEXT NOT NULL DEFAULT '',
    updated_at           TEXT NOT NULL
);

CREATE TABLE sso_states (
    state_hash TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    nonce      TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    next       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
