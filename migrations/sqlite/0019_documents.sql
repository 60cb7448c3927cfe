-- Documents, issue 18: uploaded files (bytes in the blob store), their extracted pages and
-- chunks (the unit src/search indexes and answers cite), the offline analysis, and feedback on
-- every output. Timestamps BIGINT unix microseconds (UTC), JSON TEXT.

CREATE TABLE documents (
  id TEXT PRIMARY KEY,                  -- doc_<ulid>
  org_id TEXT NOT NULL,
  project_id TEXT,                      -- optional: the project (studio) it belongs to
  filename TEXT NOT NULL,
  media_type TEXT NOT NULL,             -- sniffed from the content
  size_bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,                 -- the blob; one document per (org, sha256)
  status TEXT NOT NULL CHECK (status IN ('queued', 'extracting', 'analysing', 'ready', 'failed')),
  failure_reason TEXT,
  doc_type TEXT,                        -- classifier.h kDocTypes
  doc_type_confidence REAL,
  doc_type_source TEXT,                 -- 'model' or 'user' (a correction)
  model_version TEXT,                   -- the classifier version that typed it
  language TEXT,
  page_count INTEGER,
  ocr_pages INTEGER,
  document_date TEXT,                   -- YYYY-MM-DD
  job_id TEXT,
  uploaded_by TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX documents_org_sha ON documents (org_id, sha256);
CREATE INDEX documents_org ON documents (org_id, id);
CREATE INDEX documents_org_project ON documents (org_id, project_id, id);

-- One row per page: the page's text (blocks joined by blank lines) and whether OCR made it.
CREATE TABLE document_pages (
  document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  page INTEGER NOT NULL,                -- 1-based
  text TEXT NOT NULL,
  ocr INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (document_id, page)
);

-- Page- and heading-aware chunks (chunk.h): text = the page's text [start_offset, end_offset).
CREATE TABLE document_chunks (
  document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  page INTEGER NOT NULL,
  heading TEXT,
  text TEXT NOT NULL,
  start_offset INTEGER NOT NULL,
  end_offset INTEGER NOT NULL,
  PRIMARY KEY (document_id, seq)
);
CREATE INDEX document_chunks_org ON document_chunks (org_id, document_id);

-- The offline analysis (analysis.h ToJson) of a ready document.
CREATE TABLE document_analyses (
  document_id TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  analysis TEXT NOT NULL,
  classification TEXT NOT NULL,         -- {"label", "confidence", "scores", "model_version"}
  created_at BIGINT NOT NULL
);

-- Thumbs and corrections on any output; classification corrections are training labels.
CREATE TABLE document_feedback (
  id TEXT PRIMARY KEY,                  -- dfb_<ulid>
  org_id TEXT NOT NULL,
  document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  target TEXT NOT NULL,                 -- classification, summary.short, action_items, ...
  item_index INTEGER,                   -- which item of a list target
  rating INTEGER,                       -- 1 up, -1 down, NULL = correction only
  correction TEXT,                      -- JSON
  created_by TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX document_feedback_doc ON document_feedback (document_id, id);
CREATE INDEX document_feedback_org_target ON document_feedback (org_id, target, id);
