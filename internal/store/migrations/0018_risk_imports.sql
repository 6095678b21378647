-- Inventory and register files uploaded for a preview, kept until applied:
-- the apply reads the same bytes the preview read.
CREATE TABLE risk_imports (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('assets', 'risks')),
    filename   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    content    TEXT NOT NULL, -- base64
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE INDEX risk_imports_org ON risk_imports (org_id, created_at);
