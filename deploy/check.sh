#!/usr/bin/env bash
# Checks the files in deploy/ without Docker or a cluster:
#   - prometheus/alerts.yml with `promtool check rules`, prometheus/prometheus.yml with
#     `promtool check config` (Debian package `prometheus`);
#   - every YAML file parses (python3 + PyYAML), and the facts the docs promise hold: compose has
#     PostgreSQL 15, Redis 7, two SignX replicas and Prometheus mounting the rules; the Deployment
#     has startup/liveness/readiness probes on paths that src/http/ops.cc really serves, runs as
#     non-root, and the HPA/PDB/Service select it; the Dockerfile is multi-stage, non-root, with a
#     HEALTHCHECK on the liveness path.
# Exit 0 when everything checked passes, 1 on a failure, 77 (CTest SKIP_RETURN_CODE) when neither
# promtool nor python3+PyYAML is available, so nothing could be checked.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
checked=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if command -v promtool >/dev/null; then
  promtool check rules "$here/prometheus/alerts.yml"
  # The config names the rules file by its in-container path; check it against ours.
  sed "s#/etc/prometheus/alerts.yml#$here/prometheus/alerts.yml#" \
    "$here/prometheus/prometheus.yml" > "$tmp/prometheus.yml"
  promtool check config "$tmp/prometheus.yml"
  checked=1
else
  echo "deploy/check: promtool not installed (apt-get install prometheus): rules not checked"
fi

if command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
  python3 - "$here" "$root" <<'EOF'
import glob, os, re, sys, yaml

here, root = sys.argv[1], sys.argv[2]
errors = []
def need(cond, what):
    if not cond:
        errors.append(what)

docs = {}
for path in sorted(glob.glob(os.path.join(here, "**", "*.y*ml"), recursive=True)):
    with open(path) as f:
        try:
            docs[os.path.relpath(path, here)] = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            errors.append(f"{path}: {e}")

ops = open(os.path.join(root, "src/http/ops.cc")).read()
served = set(re.findall(r'router\.Add\("GET", "([^"]+)"', ops))

compose = docs.get("docker-compose.yml", [{}])[0]
services = compose.get("services", {})
need(str(services.get("postgres", {}).get("image", "")).startswith("postgres:15"), "compose: postgres:15")
need(str(services.get("redis", {}).get("image", "")).startswith("redis:7"), "compose: redis:7")
replicas = [n for n, s in services.items() if s.get("command", [None])[0] == "serve"]
need(len(replicas) == 2, f"compose: two signx serve replicas, found {replicas}")
for n in replicas:
    env = services[n].get("environment", {})
    need(env.get("SIGNX_DATABASE_URL", "").startswith("postgres://"), f"compose {n}: PostgreSQL URL")
    need(env.get("SIGNX_REDIS_URL", "").startswith("redis://"), f"compose {n}: Redis URL")
prom = services.get("prometheus", {})
need(any("alerts.yml" in v for v in prom.get("volumes", [])), "compose: prometheus mounts alerts.yml")
scrape = docs.get("prometheus/prometheus.yml", [{}])[0]
targets = [t for job in scrape.get("scrape_configs", []) for sc in job.get("static_configs", [])
           for t in sc.get("targets", [])]
for n in replicas:
    need(any(t.startswith(n + ":") for t in targets), f"prometheus scrapes {n}")

k8s = {}
for name, ds in docs.items():
    if name.startswith("k8s/"):
        for d in ds:
            k8s.setdefault(d.get("kind"), []).append(d)
for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
             "ConfigMap", "Secret"):
    need(kind in k8s, f"k8s: a {kind}")
if "Deployment" in k8s:
    dep = k8s["Deployment"][0]
    labels = dep["spec"]["template"]["metadata"]["labels"]
    need(dep["spec"]["selector"]["matchLabels"].items() <= labels.items(), "k8s: selector matches pods")
    pod = dep["spec"]["template"]["spec"]
    need(pod.get("securityContext", {}).get("runAsNonRoot") is True, "k8s: runAsNonRoot")
    c = pod["containers"][0]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        path = c.get(probe, {}).get("httpGet", {}).get("path")
        need(path in served, f"k8s: {probe} path {path} is served by src/http/ops.cc")
    need(c["readinessProbe"]["httpGet"]["path"] == "/health/ready", "k8s: readiness on /health/ready")
    need(c["livenessProbe"]["httpGet"]["path"] == "/health/live", "k8s: liveness on /health/live")
    for kind in ("Service", "PodDisruptionBudget"):
        for d in k8s.get(kind, []):
            sel = d["spec"]["selector"]
            sel = sel.get("matchLabels", sel)
            need(sel.items() <= labels.items(), f"k8s: {kind} selects the pods")
    for h in k8s.get("HorizontalPodAutoscaler", []):
        need(h["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"], "k8s: HPA targets it")
        need(h["spec"]["minReplicas"] >= 2, "k8s: HPA keeps two replicas")

for cm in k8s.get("ConfigMap", []):
    data = cm.get("data", {})
    # The cluster is served over HTTPS at the ingress: cookies must be Secure, and login
    # throttling must see clients, not the ingress (issue 19).
    need(str(data.get("SIGNX_WEB_SECURE_COOKIES", "")).lower() == "true",
         "k8s: ConfigMap sets SIGNX_WEB_SECURE_COOKIES=true")
    need(bool(data.get("SIGNX_AUTH_TRUSTED_PROXIES")), "k8s: ConfigMap sets SIGNX_AUTH_TRUSTED_PROXIES")

dockerfile = open(os.path.join(here, "Dockerfile")).read()
need(len(re.findall(r"^FROM ", dockerfile, re.M)) >= 2, "Dockerfile: multi-stage")
need(re.search(r"^FROM debian:12", dockerfile, re.M) is not None, "Dockerfile: debian:12")
user = re.findall(r"^USER (\S+)", dockerfile, re.M)
need(bool(user) and not user[-1].startswith(("root", "0")), "Dockerfile: non-root USER")
hc = re.search(r"HEALTHCHECK[^\n]*\\\n[^\n]*(/health/\w+)", dockerfile)
need(hc is not None and hc.group(1) in served, "Dockerfile: HEALTHCHECK on a served health path")

for e in errors:
    print("deploy/check: FAIL", e)
print(f"deploy/check: {len(docs)} YAML files parsed, {len(errors)} problem(s)")
sys.exit(1 if errors else 0)
EOF
  checked=1
else
  echo "deploy/check: python3 with PyYAML not available: YAML structure not checked"
fi

[ "$checked" = 1 ] || { echo "deploy/check: SKIP (install prometheus and python3-yaml)"; exit 77; }
echo "deploy/check: OK"
