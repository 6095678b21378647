-- The reminders of breach notification deadlines (45 CFR 164.404–410):
-- one row per subject (an incident, or a year's log to HHS), last day and
-- stage, so that each is claimed by one server and sent once; the copies
-- sent (internal/workforce.Delivery) as JSON once sent. A claim without
-- copies is one being sent, or one whose mail server could not be
-- reached, released for the next round.
CREATE TABLE breach_reminders (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    subject    TEXT NOT NULL,
    due        TEXT NOT NULL,
    stage      TEXT NOT NULL,
    notices    TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    deliveries TEXT NOT NULL DEFAULT '',
    UNIQUE (org_id, subject, due, stage)
);
