#!/usr/bin/env python3
"""Prints the route table of docs/api.md from a server's OpenAPI document.

    curl -s 127.0.0.1:8080/v1/openapi.json | scripts/api-route-table.py

Rows are sorted by tag, then path, then method; the web UI's HTML routes (no /v1, /v2, /health,
/metrics prefix) are left out.
"""
import json
import sys

API_PREFIXES = ("/v1/", "/v2/", "/health", "/metrics")

doc = json.load(sys.stdin)
rows = []
for path, item in doc.get("paths", {}).items():
    if not path.startswith(API_PREFIXES):
        continue
    for method, op in item.items():
        if method.startswith("x-") or not isinstance(op, dict):
            continue
        tag = (op.get("tags") or ["-"])[0]
        summary = op.get("summary", "").replace("|", "\\|")
        rows.append((tag, path, method.upper(), summary))
print("| tag | route | what it does |")
print("|---|---|---|")
for tag, path, method, summary in sorted(rows):
    print(f"| {tag} | `{method} {path}` | {summary} |")
