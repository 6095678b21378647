-- Each account import names the system its accounts sign in to (an EHR, a
-- VPN, the directory); an import replaces that system's accounts only, so
-- two exports in one format (a generic CSV of the EHR's users and one of
-- the VPN's) are both kept. Accounts imported before take their format's
-- name.
ALTER TABLE accounts ADD COLUMN system TEXT NOT NULL DEFAULT '';

UPDATE accounts SET system = CASE source
    WHEN 'entra-users' THEN 'Microsoft Entra ID'
    WHEN 'ad-users' THEN 'Active Directory'
    WHEN 'okta-users' THEN 'Okta'
    WHEN 'google-users' THEN 'Google Workspace'
    ELSE 'Account CSV' END;

CREATE INDEX accounts_org_system ON accounts (org_id, system, login_key);

-- An upload's system, and whether its preview was applied: an uploaded
-- account export is previewed first (state "previewed"), and imported only
-- when someone applies it.
ALTER TABLE import_jobs ADD COLUMN system TEXT NOT NULL DEFAULT '';
ALTER TABLE import_jobs ADD COLUMN applied INTEGER NOT NULL DEFAULT 0;
