-- Accounts of identity systems (Entra ID, Active Directory, Okta, Google
-- Workspace, or Safeguard's generic account CSV), each from one import
-- (data_imports). A newer export of the same source replaces the accounts
-- of the one before. Keys are the lower-case forms matching compares.
-- person_id is the roster's person the account was matched to ('' when
-- none), with the rule that matched it.
CREATE TABLE accounts (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    import_id          TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
    source             TEXT NOT NULL,
    line               INTEGER NOT NULL,
    external_id        TEXT NOT NULL,
    login              TEXT NOT NULL,
    login_key          TEXT NOT NULL,
    alt_key            TEXT NOT NULL,
    local_key          TEXT NOT NULL,
    base_key           TEXT NOT NULL,
    email              TEXT NOT NULL,
    email_key          TEXT NOT NULL,
    name               TEXT NOT NULL,
    name_key           TEXT NOT NULL,
    employee_id        TEXT NOT NULL,
    department         TEXT NOT NULL,
    title              TEXT NOT NULL,
    enabled            INTEGER NOT NULL,
    status             TEXT NOT NULL,
    kind               TEXT NOT NULL,
    created            TEXT NOT NULL,
    last_login         TEXT NOT NULL,
    login_known        INTEGER NOT NULL,
    password_set       TEXT NOT NULL,
    password_no_expiry INTEGER NOT NULL,
    mfa                TEXT NOT NULL,
    mfa_methods        TEXT NOT NULL,
    privileged         TEXT NOT NULL,
    privileged_because TEXT NOT NULL,
    mailbox            TEXT NOT NULL,
    remote             TEXT NOT NULL,
    remote_because     TEXT NOT NULL,
    groups             TEXT NOT NULL,
    person_id          TEXT NOT NULL DEFAULT '',
    match_rule         TEXT NOT NULL DEFAULT ''
);

CREATE INDEX accounts_import ON accounts (import_id);
CREATE INDEX accounts_org_source ON accounts (org_id, source);
CREATE INDEX accounts_org_local ON accounts (org_id, local_key);

-- Entra ID's user registration details: whether each user registered a
-- strong method for multifactor authentication, and holds an admin role.
-- Replaced whole by each import; joined to the Entra ID accounts by UPN.
CREATE TABLE mfa_registrations (
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    import_id  TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
    login_key  TEXT NOT NULL,
    registered INTEGER NOT NULL,
    capable    TEXT NOT NULL,
    admin      TEXT NOT NULL,
    methods    TEXT NOT NULL,
    PRIMARY KEY (org_id, login_key)
);
