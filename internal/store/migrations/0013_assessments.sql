-- Assessments: one dated run over one framework for one organisation. A
-- final assessment keeps the frozen record made when it was finalised
-- (tailoring, answers, evidence versions) and that record's SHA-256.
CREATE TABLE assessments (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    framework         TEXT NOT NULL,
    framework_version TEXT NOT NULL,
    title             TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('draft', 'final')),
    based_on          TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    finalized_at      TEXT NOT NULL DEFAULT '',
    finalized_by      TEXT NOT NULL DEFAULT '',
    snapshot          TEXT NOT NULL DEFAULT '',
    snapshot_sha256   TEXT NOT NULL DEFAULT ''
);

CREATE INDEX assessments_org ON assessments (org_id, created_at);

-- At most one draft per organisation and framework.
CREATE UNIQUE INDEX assessments_one_draft ON assessments (org_id, framework) WHERE state = 'draft';

-- Answers: one per item of an assessment. questions holds the answers to
-- SP 800-66r2's sample questions as a JSON object; the decision columns
-- hold the documented decision for an addressable specification.
CREATE TABLE answers (
    assessment_id    TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    item_id          TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT '',
    notes            TEXT NOT NULL DEFAULT '',
    owner            TEXT NOT NULL DEFAULT '',
    target_date      TEXT NOT NULL DEFAULT '',
    questions        TEXT NOT NULL DEFAULT '{}',
    decision_kind    TEXT NOT NULL DEFAULT '',
    decision_measure TEXT NOT NULL DEFAULT '',
    decision_reason  TEXT NOT NULL DEFAULT '',
    source           TEXT NOT NULL DEFAULT '',
    carried_forward  BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at       TEXT NOT NULL,
    updated_by       TEXT NOT NULL,
    PRIMARY KEY (assessment_id, item_id)
);
