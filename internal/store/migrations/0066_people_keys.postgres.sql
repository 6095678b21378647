-- Each person's keys, lower-cased when the person is written, kept beside
-- the fields they come from (employee id, work email, name, and the
-- email's part before the @ where it has one): the roster's lookups, the
-- account matching and the device matching compare them through plain
-- indexes, on both engines (SQLite's reason is in its migration of this
-- number).
ALTER TABLE people ADD COLUMN employee_key TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN local_key TEXT NOT NULL DEFAULT '';

UPDATE people SET employee_key = lower(employee_id), email_key = lower(email), name_key = lower(name),
    local_key = CASE WHEN strpos(email, '@') > 0 THEN lower(split_part(email, '@', 1)) ELSE '' END;

DROP INDEX people_employee_id;
DROP INDEX people_email;
DROP INDEX people_name;
DROP INDEX people_local;
CREATE UNIQUE INDEX people_employee_id ON people (org_id, employee_key);
CREATE INDEX people_email ON people (org_id, email_key);
CREATE INDEX people_name ON people (org_id, name_key);
CREATE INDEX people_local ON people (org_id, local_key);
