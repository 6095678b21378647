-- Signed checkpoints are kept like the log they vouch for: nothing updates
-- or deletes one, and the triggers refuse it from anyone else.
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'the audit checkpoints are append-only');
END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'the audit checkpoints are append-only');
END;
