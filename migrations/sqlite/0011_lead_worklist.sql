-- The sales worklist (GET /v1/leads): an org's scored leads by score, highest first, then lead
-- id (keyset pagination reads this index in order).
CREATE INDEX lead_scores_by_score ON lead_scores (org_id, score DESC, lead_id);
