-- What a salesperson sees of a lead (issue 20): the schema's display fields (name, company,
-- owner, source, …) and the top reasons of its latest score, and every score it got.
-- lead_score_history is written with lead_scores by the score log and the CSV scoring job and
-- pruned after leads.score_history_days.
ALTER TABLE lead_scores ADD COLUMN display_json TEXT;  -- {"field": "text", …}; NULL: none
ALTER TABLE lead_scores ADD COLUMN reasons_json TEXT;  -- [{"field", "text", "contribution"}, …]

CREATE TABLE lead_score_history (
  org_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  scored_at BIGINT NOT NULL,          -- microseconds since the epoch, UTC
  model_version TEXT NOT NULL,
  score REAL NOT NULL,
  tier TEXT NOT NULL CHECK (tier IN ('A', 'B', 'C', 'D', 'E')),
  request_id TEXT
);
CREATE INDEX lead_score_history_by_lead ON lead_score_history (org_id, lead_id, scored_at DESC);
CREATE INDEX lead_score_history_by_time ON lead_score_history (scored_at);
