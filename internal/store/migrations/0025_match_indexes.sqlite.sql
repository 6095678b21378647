-- Matching accounts to people looks people up by name and by the local
-- part of their work email, once per account: index both.
CREATE INDEX people_name ON people (org_id, lower(name));
CREATE INDEX people_local ON people (org_id, lower(substr(email, 1, instr(email, '@') - 1)));
