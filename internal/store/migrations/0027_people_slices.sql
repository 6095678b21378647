-- The roster is read a slice at a time in the order of its ids (the
-- training evaluation after an import): without this index each slice
-- sorts the whole organisation's roster.
CREATE INDEX people_org_id ON people (org_id, id);
