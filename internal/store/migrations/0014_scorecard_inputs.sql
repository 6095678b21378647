-- Dated inputs to the CPG scorecard from outside the assessment: the
-- results of checks that verify a goal from real data (account exports,
-- scanner output, training records). For each goal and source the newest
-- observation counts; the older ones stay as history.
CREATE TABLE scorecard_inputs (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    goal_id     TEXT NOT NULL,
    source      TEXT NOT NULL,
    label       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('met', 'partially_met', 'not_met', 'unknown')),
    detail      TEXT NOT NULL DEFAULT '',
    ref         TEXT NOT NULL DEFAULT '',
    observed_at TEXT NOT NULL
);

CREATE INDEX scorecard_inputs_goal ON scorecard_inputs (org_id, goal_id, source, observed_at);
