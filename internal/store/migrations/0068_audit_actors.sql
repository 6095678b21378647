-- Who has recorded what in each organisation: a row for each organisation,
-- action and actor, with the first entry of it (its seq and time) and the
-- newest (its seq), kept as each entry is appended in the entry's
-- transaction. "Who took part" (a risk analysis's participants) reads
-- these few rows, not the whole trail. No foreign keys, as the trail.
CREATE TABLE audit_actors (
    org_id    TEXT NOT NULL,
    action    TEXT NOT NULL,
    actor     TEXT NOT NULL,
    first_seq BIGINT NOT NULL,
    first_at  TEXT NOT NULL,
    last_seq  BIGINT NOT NULL,
    PRIMARY KEY (org_id, action, actor)
);

INSERT INTO audit_actors (org_id, action, actor, first_seq, first_at, last_seq)
SELECT org_id, action, actor, MIN(seq), MIN(at), MAX(seq) FROM audit_log
WHERE org_id <> '' AND actor <> ''
GROUP BY org_id, action, actor;
