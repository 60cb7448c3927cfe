#!/usr/bin/env python3
"""The traffic and the samples of bench/soak.sh (read that first); standard library only.

    soak_driver.py --port P --pid PID --minutes M --sample S --key KEY --email E --password PW
                   --history FILE --leads FILE [--connections 4]

After --warmup seconds of the same traffic (not sampled), for M minutes, in windows of S seconds:
  * wrk (one process per window, -t1 -c<connections>, bench/soak.lua): lead scoring and cost
    predictions with an API key; its p99 and req/s per window;
  * Python threads: logins (POST /v1/auth/login, then GET /v1/me with the token; at most 24 a
    minute, under the per-client login throttle of 30), cost-history uploads (POST /v1/imports,
    new rows every time), lead CSV uploads through the web form (a leads.score_csv job each),
    and two SSE clients (GET /v1/events/stream) that each read events for 5-15 s, hang up and
    connect again;
  * at the end of each window: the server's RSS (VmRSS; memory columns are the lowest of 5
    readings over ~1 s, so one reading during a login's argon2 hash does not count as growth),
    open file descriptors (/proc/PID/fd),
    threads, and the p99 of the Python requests.
Prints one table row per window, then the verdict: each of RSS, fds and wrk p99 is "flat" when
the mean of the last third of the windows is at most 10 % above the mean of the first third (or
5 descriptors for fds, 2 ms for p99, above it); a fall is flat too. RSS must also have settled:
every sample of the last half within +-5 % of the last half's mean (a slow leak can pass the
thirds rule; it fails this). The RSS slope (least squares, MB/min) of all windows and of the last
half is printed. Exit 0 when all are flat, 1 otherwise.
"""

import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def metrics_mb(port, names):
    """The server's /metrics gauges `names` in MB ({} when it cannot be read or lacks them)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    except (OSError, http.client.HTTPException):
        return {}
    finally:
        conn.close()
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in names:
            out[name] = round(float(value) / 2**20, 1)
    return out


def cpu_seconds(pid):
    """User + system CPU seconds of the process so far (/proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def p99(values):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(0.99 * len(v)))]


def slope_mb_per_min(rows, col="rss_mb"):
    """Least-squares slope of `col` over t_s, in MB per minute (0 for fewer than 2 rows)."""
    if len(rows) < 2:
        return 0.0
    xs = [r["t_s"] / 60 for r in rows]
    ys = [r[col] for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0


def wrk_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]


class Driver:
    def __init__(self, a):
        self.a = a
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.lat = []          # (kind, ms) of this window
        self.errors = {}       # kind -> count of this window
        self.counts = {}       # kind -> requests of this window
        with open(a.history, "rb") as f:
            self.history = f.read()
        with open(a.leads, "rb") as f:
            self.leads = f.read()

    def call(self, method, path, body=None, headers=None, ctype="application/json", kind=None,
             timeout=30):
        h = dict(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else (
                body.encode() if isinstance(body, str) else json.dumps(body).encode())
            h["Content-Type"] = ctype
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.a.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            text = r.read().decode("utf-8", errors="replace")
            status, hdrs = r.status, r.headers
        except (OSError, http.client.HTTPException) as e:
            status, text, hdrs = 0, repr(e), {}
        finally:
            conn.close()
        ms = (time.perf_counter() - t0) * 1000
        if kind:
            with self.lock:
                self.lat.append((kind, ms))
                self.counts[kind] = self.counts.get(kind, 0) + 1
                if not (200 <= status < 400):
                    self.errors[kind] = self.errors.get(kind, 0) + 1
                    if self.errors[kind] <= 2:
                        print(f"  note: {kind} answered {status}: {text[:200]}", flush=True)
        return status, text, hdrs

    def pause(self, seconds):
        self.stop.wait(seconds)

    def logins(self):
        while not self.stop.is_set():
            s, text, _ = self.call("POST", "/v1/auth/login",
                                   {"email": self.a.email, "password": self.a.password},
                                   kind="login")
            if s == 200:
                token = json.loads(text)["access_token"]
                self.call("GET", "/v1/me", headers={"Authorization": "Bearer " + token},
                          kind="me")
            self.pause(2.5)  # 24 a minute: under the per-client login throttle (30/min)

    def imports(self):
        n = 0
        key = {"X-API-Key": self.a.key}
        while not self.stop.is_set():
            n += 1
            data = self.history.replace(b"_syn_", f"_s{uuid.uuid4().hex[:8]}_".encode())
            self.call("POST", f"/v1/imports?filename=soak-{n}.csv", data, key, "text/csv",
                      kind="import")
            self.pause(2.0)

    def web_session(self):
        cookies = {}

        def jar(headers):
            for c in headers.get_all("Set-Cookie") or []:
                k, _, v = c.split(";", 1)[0].partition("=")
                cookies[k.strip()] = v.strip()

        s, text, h = self.call("GET", "/login")
        if s != 200:
            return None
        jar(h)
        form = {"email": self.a.email, "password": self.a.password, "next": "/"}
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', text)
        if csrf:
            form["csrf_token"] = csrf.group(1)
        s, text, h = self.call("POST", "/login", urllib.parse.urlencode(form),
                               {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
                               "application/x-www-form-urlencoded", kind="web_login")
        jar(h)
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}

    def csv_uploads(self):
        session = self.web_session()
        n = 0
        while not self.stop.is_set() and session:
            n += 1
            s, page, _ = self.call("GET", "/leads/csv", None, session, kind="page")
            if s == 303 or s == 302:  # the session ended: sign in again
                session = self.web_session()
                continue
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
            boundary = "soak" + uuid.uuid4().hex
            body = b""
            if csrf:
                body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\""
                         f"\r\n\r\n{csrf.group(1)}\r\n").encode()
            body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                     f"filename=\"soak-{n}.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode()
            body += self.leads + f"\r\n--{boundary}--\r\n".encode()
            self.call("POST", "/leads/csv", body, session,
                      f"multipart/form-data; boundary={boundary}", kind="csv_upload")
            self.pause(10.0)

    def sse(self):
        rng = random.Random()
        while not self.stop.is_set():
            t0 = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", self.a.port, timeout=5)
            ok = False
            try:
                conn.request("GET", "/v1/events/stream", headers={"X-API-Key": self.a.key,
                                                                  "Accept": "text/event-stream"})
                r = conn.getresponse()
                ok = r.status == 200
                with self.lock:
                    self.lat.append(("sse_connect", (time.perf_counter() - t0) * 1000))
                    self.counts["sse"] = self.counts.get("sse", 0) + 1
                    if not ok:
                        self.errors["sse"] = self.errors.get("sse", 0) + 1
                until = time.time() + rng.uniform(5, 15)
                while ok and time.time() < until and not self.stop.is_set():
                    try:
                        if not r.fp.readline():
                            break
                    except OSError:  # no event within the socket timeout: keep listening
                        pass
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.errors["sse"] = self.errors.get("sse", 0) + 1
            finally:
                conn.close()  # hang up; the server must release the stream
            self.pause(0.2)

    def take_window(self):
        with self.lock:
            lat, errors, counts = self.lat, self.errors, self.counts
            self.lat, self.errors, self.counts = [], {}, {}
        return lat, errors, counts


def main():
    ap = argparse.ArgumentParser()
    for name in ("--key", "--email", "--password", "--history", "--leads"):
        ap.add_argument(name, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--sample", type=int, default=30)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=30, help="seconds of traffic before sampling")
    ap.add_argument("--delay-ms", type=int, default=5, help="wrk: pause before each request")
    ap.add_argument("--parts", default="wrk,logins,imports,csv,sse",
                    help="traffic to run (leave parts out to see what makes a number grow)")
    a = ap.parse_args()
    d = Driver(a)
    parts = set(a.parts.split(","))
    threads = [threading.Thread(target=f, daemon=True)
               for name, f in (("logins", d.logins), ("imports", d.imports),
                               ("csv", d.csv_uploads), ("sse", d.sse), ("sse", d.sse))
               if name in parts]
    for t in threads:
        t.start()
    windows = max(1, int(round(a.minutes * 60 / a.sample)))
    env = dict(os.environ, API_KEY=a.key, DELAY_MS=str(a.delay_ms))

    def run_wrk(seconds):
        if "wrk" not in parts:
            d.pause(seconds)
            return ""
        nonlocal_wrk[0] = subprocess.Popen(
            ["wrk", "--latency", "-t1", f"-c{a.connections}", f"-d{seconds}s", "-s",
             os.path.join(HERE, "soak.lua"), f"http://127.0.0.1:{a.port}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        out, _ = nonlocal_wrk[0].communicate(timeout=seconds + 60)
        return out

    nonlocal_wrk = [None]
    rows = []
    cols = ("t_s", "rss_mb", "anon_mb", "heap_mb", "je_resident_mb", "fds", "threads",
            "wrk_rps", "wrk_p99_ms", "wrk_non2xx", "py_reqs", "py_p99_ms", "py_errors",
            "cpu_ms_per_req")
    je = ("signx_jemalloc_allocated_bytes", "signx_jemalloc_resident_bytes")
    print("| " + " | ".join(cols) + " |", flush=True)
    print("|" + "---:|" * len(cols), flush=True)
    started = time.time()
    try:
        if a.warmup > 0:  # caches, queues and pools fill up first; not sampled
            run_wrk(a.warmup)
            d.take_window()
            started = time.time()
        cpu_before = cpu_seconds(a.pid)
        for _ in range(windows):
            out = run_wrk(a.sample)
            rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
            p = re.search(r"^\s+99%\s+(\S+)", out, re.M)
            non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
            sock = re.search(r"Socket errors:.*", out)
            # Memory is read 5 times over ~1 s and the lowest reading kept: the floor rises with a
            # leak, while one reading can land on a request's short-lived working memory (a
            # login's 19 MiB argon2 hash, a CSV job's batch) and look like growth.
            st, mem = proc_status(a.pid), metrics_mb(a.port, je)
            for _ in range(4):
                time.sleep(0.25)
                st2, mem2 = proc_status(a.pid), metrics_mb(a.port, je)
                for key in ("VmRSS", "RssAnon"):
                    if int(st2[key].split()[0]) < int(st[key].split()[0]):
                        st[key] = st2[key]
                for name in je:
                    if name in mem2 and mem2[name] < mem.get(name, float("inf")):
                        mem[name] = mem2[name]
            cpu_now = cpu_seconds(a.pid)
            lat, errors, counts = d.take_window()
            done = re.search(r"(\d+) requests in", out)
            reqs = (int(done.group(1)) if done else 0) + sum(counts.values())
            row = {"t_s": round(time.time() - started),
                   "rss_mb": round(int(st["VmRSS"].split()[0]) / 1024, 1),
                   "anon_mb": round(int(st["RssAnon"].split()[0]) / 1024, 1),
                   "heap_mb": mem.get(je[0], float("nan")),
                   "je_resident_mb": mem.get(je[1], float("nan")),
                   "fds": fd_count(a.pid), "threads": int(st["Threads"]),
                   "wrk_rps": float(rps.group(1)) if rps else float("nan"),
                   "wrk_p99_ms": round(wrk_ms(p.group(1)), 2) if p else float("nan"),
                   "wrk_non2xx": int(non2xx.group(1)) if non2xx else 0,
                   "py_reqs": sum(counts.values()),
                   "py_p99_ms": round(p99([ms for k, ms in lat if k != "sse_connect"]), 1),
                   "py_errors": sum(errors.values()),
                   # The server's CPU (user + sys) per request of the window: unlike latency, it
                   # holds on a shared machine.
                   "cpu_ms_per_req": round((cpu_now - cpu_before) * 1000 / reqs, 3) if reqs else
                   float("nan")}
            cpu_before = cpu_now
            if sock:
                print(f"  note: wrk {sock.group(0)}", flush=True)
            rows.append(row)
            print("| " + " | ".join(str(row[c]) for c in cols) + " |", flush=True)
    finally:
        d.stop.set()
        wrk = nonlocal_wrk[0]
        if wrk is not None and wrk.poll() is None:
            wrk.kill()
            wrk.wait()
    for t in threads:
        t.join(timeout=20)

    third = max(1, len(rows) // 3)
    verdict_ok = True
    print(f"\nverdict ({len(rows)} windows of {a.sample} s; first third = first {third}, "
          f"last third = last {third}):")
    # Absolute slack: a few descriptors come and go with SSE reconnects and job files, and a
    # p99 of a few ms moves by ~2 ms with other users of a shared machine.
    # heap_mb is jemalloc's allocated bytes: the live heap, without the pages the allocator keeps
    # (RSS - heap = jemalloc's dirty pages and metadata + code, stacks, DuckDB's own allocator).
    # cpu_ms_per_req is reported, not judged: work per request that grows (an O(data) job per
    # write) shows there first, but it also moves with other users of the machine.
    for col, slack, judged in (("rss_mb", 0, True), ("heap_mb", 0, True), ("fds", 5, True),
                               ("wrk_p99_ms", 2, True), ("cpu_ms_per_req", 0, False)):
        first = sum(r[col] for r in rows[:third]) / third
        last = sum(r[col] for r in rows[-third:]) / third
        if first != first or last != last:  # NaN: not measured (wrk left out, no jemalloc)
            print(f"  {col:14s} not measured")
            continue
        change = (last - first) / first * 100 if first else float("nan")
        flat = last - first <= max(0.10 * first, slack)  # growth is what a soak looks for
        if judged:
            verdict_ok &= flat
        print(f"  {col:14s} first {first:9.2f}  last {last:9.2f}  change {change:+6.1f} %  "
              f"{('flat' if flat else 'NOT FLAT') if judged else '(reported)'}")
    half = rows[len(rows) // 2:]
    mean = sum(r["rss_mb"] for r in half) / len(half)
    lo, hi = min(r["rss_mb"] for r in half), max(r["rss_mb"] for r in half)
    settled = hi <= 1.05 * mean and lo >= 0.95 * mean
    verdict_ok &= settled
    print(f"  rss_mb      last half ({len(half)} windows): mean {mean:.1f}, min {lo:.1f} "
          f"({(lo - mean) / mean * 100:+.1f} %), max {hi:.1f} ({(hi - mean) / mean * 100:+.1f} %)  "
          f"{'within +-5 %' if settled else 'NOT within +-5 %'}")
    print(f"  rss slope   all windows {slope_mb_per_min(rows):+.2f} MB/min, "
          f"last half {slope_mb_per_min(half):+.2f} MB/min")
    if all(r["heap_mb"] == r["heap_mb"] for r in rows):
        print(f"  heap slope  all windows {slope_mb_per_min(rows, 'heap_mb'):+.2f} MB/min, "
              f"last half {slope_mb_per_min(half, 'heap_mb'):+.2f} MB/min")
    errors = sum(r["py_errors"] for r in rows) + sum(r["wrk_non2xx"] for r in rows)
    print(f"  errors      {errors} (wrk non-2xx + Python requests not 2xx/3xx)")
    print("soak: " + ("FLAT" if verdict_ok else "NOT FLAT"))
    return 0 if verdict_ok else 1


if __name__ == "__main__":
    sys.exit(main())
