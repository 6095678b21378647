-- The workforce: the roster, its import mapping, the training program
-- (modules, the rules that assign them, completions), and the workforce
-- security records (termination checklists, sanctions).
CREATE TABLE people (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    employee_id    TEXT NOT NULL,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL DEFAULT '',
    position       TEXT NOT NULL DEFAULT '',
    department     TEXT NOT NULL DEFAULT '',
    manager        TEXT NOT NULL DEFAULT '',
    type           TEXT NOT NULL,
    start_date     TEXT NOT NULL DEFAULT '',
    end_date       TEXT NOT NULL DEFAULT '',
    access         TEXT NOT NULL,
    systems        TEXT NOT NULL,
    clearance      TEXT NOT NULL DEFAULT '',
    clearance_date TEXT NOT NULL DEFAULT '',
    authorization_notes TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE UNIQUE INDEX people_employee_id ON people (org_id, lower(employee_id));
CREATE INDEX people_email ON people (org_id, lower(email));

CREATE TABLE roster_settings (
    org_id     TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    mapping    TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE training_modules (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    minutes      INTEGER NOT NULL,
    due_days     INTEGER NOT NULL,
    recur_months INTEGER NOT NULL,
    items        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (org_id, code)
);

CREATE TABLE training_rules (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    module      TEXT NOT NULL,
    positions   TEXT NOT NULL,
    departments TEXT NOT NULL,
    types       TEXT NOT NULL,
    min_access  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE INDEX training_rules_org ON training_rules (org_id, created_at);

CREATE TABLE training_completions (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    module       TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    source       TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);

CREATE INDEX training_completions_person ON training_completions (org_id, person_id, module);

CREATE TABLE termination_items (
    id        TEXT PRIMARY KEY,
    org_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    title     TEXT NOT NULL,
    done      BOOLEAN NOT NULL,
    done_on   TEXT NOT NULL DEFAULT '',
    done_by   TEXT NOT NULL DEFAULT '',
    opened_at TEXT NOT NULL
);

CREATE INDEX termination_items_person ON termination_items (org_id, person_id);

CREATE TABLE sanctions (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    date        TEXT NOT NULL,
    policy      TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

CREATE INDEX sanctions_person ON sanctions (org_id, person_id);

-- Security reminders (164.308(a)(5)(ii)(A)) and who was sent what, when.
CREATE TABLE reminders (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    audience      TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    sent_at       TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE INDEX reminders_due ON reminders (sent_at, scheduled_for);

CREATE TABLE reminder_deliveries (
    reminder_id TEXT NOT NULL REFERENCES reminders (id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    PRIMARY KEY (reminder_id, person_id)
);
