-- safeguard: foreign_keys off
-- Each person's keys, lower-cased when the person is written, kept beside
-- the fields they come from (employee id, work email, name, and the
-- email's part before the @ where it has one): the roster's lookups, the
-- account matching and the device matching compare them through plain
-- indexes. Indexes on expressions (lower(email), ...) call a function for
-- every row written, and SQLite gives every multi-row INSERT whose program
-- calls a function a statement journal: each page it touches first copied
-- to a temporary file. The key to the organisation becomes deferred, as
-- the other tables loaded in bulk (0065), for the same reason. SQLite
-- cannot alter a table's keys in place, so the table is rebuilt with its
-- rows. SQLite's lower() folds ASCII letters only: the keys of the rows it
-- holds are then computed again in Go in this migration's transaction
-- (rekeyPeople), as every write computes them.
CREATE TABLE people_keyed (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
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
    updated_at     TEXT NOT NULL,
    employee_key   TEXT NOT NULL DEFAULT '',
    email_key      TEXT NOT NULL DEFAULT '',
    name_key       TEXT NOT NULL DEFAULT '',
    local_key      TEXT NOT NULL DEFAULT ''
);

INSERT INTO people_keyed SELECT id, org_id, employee_id, name, email, position, department, manager, type, start_date, end_date,
    access, systems, clearance, clearance_date, authorization_notes, created_at, updated_at,
    lower(employee_id), lower(email), lower(name), CASE WHEN instr(email, '@') > 0 THEN lower(substr(email, 1, instr(email, '@') - 1)) ELSE '' END
FROM people;
DROP TABLE people;
ALTER TABLE people_keyed RENAME TO people;

CREATE UNIQUE INDEX people_employee_id ON people (org_id, employee_key);
CREATE INDEX people_email ON people (org_id, email_key);
CREATE INDEX people_name ON people (org_id, name_key);
CREATE INDEX people_local ON people (org_id, local_key);
