-- Signed checkpoints are kept like the log they vouch for: nothing updates,
-- deletes or truncates them, and the trigger refuses it from anyone else.
CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit checkpoints are append-only';
END;
$$;

CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only();
