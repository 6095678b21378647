-- Each account's employee id lower-cased when the account is written, as
-- its other keys are (login_key, email_key, …) and as the people's
-- employee_key is (migration 0066): the matching compares the two columns
-- as they are. The database's lower() gives the existing rows their key;
-- on SQLite it folds ASCII letters only, so the migration's step in Go
-- (rekeyAccounts) then mends the few ids with other capitals.
ALTER TABLE accounts ADD COLUMN employee_key TEXT NOT NULL DEFAULT '';

UPDATE accounts SET employee_key = lower(employee_id) WHERE employee_id <> '';
