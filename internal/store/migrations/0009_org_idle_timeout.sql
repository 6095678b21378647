-- An organisation's idle timeout (automatic logoff) in seconds; 0 keeps the
-- server's default. A user in several organisations gets the strictest.
ALTER TABLE organizations ADD COLUMN idle_timeout_seconds INTEGER NOT NULL DEFAULT 0;
