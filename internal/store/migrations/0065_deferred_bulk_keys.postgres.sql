-- SQLite's bulk-loaded tables take deferred foreign keys (see the SQLite
-- migration of this number). PostgreSQL loads them with COPY, which opens
-- no statement journal, so its keys stay as they are.
SELECT 1;
