-- The organisation's own vendor questionnaires, each version kept whole
-- (the questionnaire as JSON); Safeguard's own is shipped, not stored.
CREATE TABLE questionnaires (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    ref        TEXT NOT NULL,
    version    TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (org_id, ref, version)
);

-- Questionnaires sent to vendors and their answers. A request keeps the
-- questionnaire as it was sent (JSON). A link's token is kept only by its
-- hash, and works once: answering spends it. Answers are JSON by question
-- id; the score is kept beside them for the register to read.
CREATE TABLE questionnaire_requests (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    vendor_id     TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    questionnaire TEXT NOT NULL,
    ref           TEXT NOT NULL,
    version       TEXT NOT NULL,
    channel       TEXT NOT NULL CHECK (channel IN ('link', 'xlsx')),
    token_hash    TEXT UNIQUE,
    recipient     TEXT NOT NULL DEFAULT '',
    sent_at       TEXT NOT NULL,
    sent_by       TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('sent', 'answered', 'revoked')),
    answered_at   TEXT,
    respondent    TEXT NOT NULL DEFAULT '',
    answers       TEXT NOT NULL DEFAULT '',
    percent       INTEGER,
    exceptions    INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX questionnaire_requests_vendor ON questionnaire_requests (vendor_id, sent_at);
CREATE INDEX questionnaire_requests_org ON questionnaire_requests (org_id, state);

-- A filled-in answer workbook previewed on a vendor's page is kept for
-- its apply: the kinds of pending uploads gain questionnaire-answers.
CREATE TABLE pending_uploads_new (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('assets', 'risks', 'roster', 'vendors', 'questionnaire-answers')),
    filename   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    content    TEXT NOT NULL, -- base64
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

INSERT INTO pending_uploads_new (id, org_id, kind, filename, sha256, content, created_at, created_by)
SELECT id, org_id, kind, filename, sha256, content, created_at, created_by FROM pending_uploads;

DROP TABLE pending_uploads;

ALTER TABLE pending_uploads_new RENAME TO pending_uploads;

CREATE INDEX pending_uploads_org ON pending_uploads (org_id, created_at);
