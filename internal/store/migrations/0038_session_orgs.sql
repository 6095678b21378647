-- When a session last opened each organisation's pages: an organisation's
-- idle timeout governs its own pages only, measured from this.
CREATE TABLE session_orgs (
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    last_seen_at TEXT NOT NULL,
    PRIMARY KEY (session_id, org_id)
);
