-- A workbook import waiting for a person to confirm its preview: the
-- answers it would write, the digest of the answers it was previewed
-- against, and when it was applied (once, if ever).
CREATE TABLE assessment_imports (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    filename      TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    preview       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    applied_at    TEXT NOT NULL DEFAULT ''
);
