-- The evidence whose review date has passed, found for the do-next list
-- through an index rather than by reading the whole vault.
CREATE INDEX evidence_review ON evidence (org_id, review_by);
