#!/usr/bin/env python3
"""Bulk-loads N search chunks into one org of a SignX SQLite database (bench/documents_search.sh).

The chunks are cut from a BEIR corpus (SciFact): chunk k is a window of 60-110 words of corpus
document k mod |corpus|, shifted by (k div |corpus|) words and with ~10 % of its words dropped
(seeded), so repeats are not identical. They are grouped into ready documents of 100 chunks
(rows in `documents` and `document_chunks`, as documents.process writes them; no blobs, pages or
analyses — search reads neither). The documents.reindex job then builds the org's Xapian index
from these rows through the product's own path. Also writes a file of URL-encoded queries (the
BEIR queries) for the wrk script.

Usage: documents_search_load.py DB ORG BEIR_DIR CHUNKS QUERIES_OUT
"""
import json
import random
import sqlite3
import sys
import urllib.parse

db_path, org, beir, n_chunks, queries_out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
rng = random.Random(42)
corpus = []
with open(f"{beir}/corpus.jsonl") as f:
    for line in f:
        d = json.loads(line)
        corpus.append((d.get("title", ""), (d.get("title", "") + " " + d["text"]).split()))
types = ["contract", "proposal", "rfp", "change_order", "permit", "invoice", "meeting_notes", "email",
         "drawing_spec", "other"]
con = sqlite3.connect(db_path)
con.execute("PRAGMA synchronous=OFF")
now = 1796000000000000  # micros
per_doc = 100
docs = (n_chunks + per_doc - 1) // per_doc
for d in range(docs):
    doc_id = f"doc_bench{d:07d}"
    title = corpus[(d * per_doc) % len(corpus)][0][:80] or "document"
    con.execute(
        "INSERT INTO documents (id, org_id, project_id, filename, media_type, size_bytes, sha256, status,"
        " doc_type, doc_type_confidence, doc_type_source, language, page_count, ocr_pages, uploaded_by,"
        " created_at, updated_at) VALUES (?, ?, NULL, ?, 'text/plain', 1000, ?, 'ready', ?, 0.9, 'model',"
        " 'en', ?, 0, 'usr_bench', ?, ?)",
        (doc_id, org, f"{title}.txt", f"{d:064x}", types[d % len(types)], per_doc // 4 + 1, now + d, now + d))
    rows = []
    for s in range(per_doc):
        k = d * per_doc + s
        if k >= n_chunks:
            break
        words = corpus[k % len(corpus)][1]
        shift = k // len(corpus)
        size = rng.randint(60, 110)
        start = min(shift, max(0, len(words) - size))
        window = [w for w in words[start:start + size] if rng.random() > 0.1] or words[:size]
        text = " ".join(window)
        rows.append((doc_id, org, s, s // 4 + 1, None, text, 0, len(text)))
    con.executemany(
        "INSERT INTO document_chunks (document_id, org_id, seq, page, heading, text, start_offset, end_offset)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
con.commit()
with open(f"{beir}/queries.jsonl") as f, open(queries_out, "w") as out:
    for line in f:
        q = json.loads(line)["text"]
        out.write(urllib.parse.quote_plus(q) + "\n")
print(f"loaded {n_chunks} chunks in {docs} documents into {org}")
