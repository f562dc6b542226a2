#!/usr/bin/env python3
"""Helper of bench/ledger: builds a contract through the API, posts payments from
concurrent clients, reads a balance, and writes the SQL of the PostgreSQL steps.

Standard library only. Subcommands:

    ledger.py setup --port P --out scene.json
        Signs in as the admin (OSE_BENCH_EMAIL, OSE_BENCH_PASSWORD from the environment)
        and builds, through the API, one awarded contract whose agreement the award
        makes: 3 skills, 3 upstream projects (one per skill), 3 active partners, a buyer,
        a user for each, a published tender whose one lot requires the 3 skills (weights
        5, 3, 2), a consortium bid of the 3 partners (5000, 3000, 2000 bps) confirmed and
        submitted, bidding closed, the lot awarded. Checks that the agreement names 3
        members and 3 projects; writes the ids and the buyer's and admin's tokens.

    ledger.py post --port P --scene scene.json [--clients 16] [--warmup 5] [--seconds 20]
                   [--pid SERVER_PID] [--database NAME] [--pg-url URL] [--summary FILE]
        Each client (a thread with its own keep-alive http.client connection) posts
        POST /api/v1/contracts/{id}/payments as the buyer, one at a time, each with a
        fresh Idempotency-Key, for the warm-up and then the measured window. Prints
        payments/s, latency p50/p90/p99/max, errors (anything but 201, connection errors
        included), payments/s and median latency every 5 s, who used the CPU (the server,
        its PostgreSQL backends, the clients, others) and, with --pg-url, what the
        database's connections were doing (sampled from pg_stat_activity every 100 ms).

    ledger.py verify --port P --scene scene.json
        GET /api/v1/ledger/verify as the admin: ok, what was checked, how long it took.

    ledger.py reads --port P --scene scene.json --account ID [--requests 2000]
                    [--warmup 50] [--expect-entries N] [--label TEXT] [--pid --database]
        GET /api/v1/ledger/accounts/{ID} as the admin, one at a time on one keep-alive
        connection: median, p90, p99, max; checks `entries` when --expect-entries is given.

    ledger.py pgbench --scene scene.json --out DIR
        Writes DIR/payment.pgbench (the SQL one payment runs, as a pgbench script) and
        DIR/defines (its -D variables: the contract, the account keys, the caller).

    ledger.py bulk-sql --out FILE
        Writes the psql script that adds postings to one account with INSERT ... SELECT
        generate_series (variables: target, owner, cash, recorded_by, transactions).

Exits 0 whatever the figures; non-zero only when it cannot run (or the scene cannot be
built).
"""

import argparse
import datetime
import http.client
import json
import math
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter

CURRENCY = "EUR"
SKILL_WEIGHTS = (5, 3, 2)
MEMBER_SHARES = (5000, 3000, 2000)
PASSWORD = "bench ledger password 2027"
# Per payment: cash debited; platform fee, 3 project funds and 3 member payables credited.
POSTINGS_PER_PAYMENT = 8
# Bulk-loaded transactions: one cash debit and this many credits to the target account.
BULK_CREDITS = 10
BUCKET_SECONDS = 5


# --------------------------------------------------------------------------- HTTP


class Client:
    """One keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, port, timeout=60.0, token=None):
        self.port = port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.token = token

    def request(self, method, path, body=None, headers=None):
        sent = {"Accept": "application/json"}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if headers:
            sent.update(headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=payload, headers=sent)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            # A broken connection is reopened for the next request.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            raise
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, data, elapsed_ms

    def expect(self, status, method, path, body=None, headers=None):
        """The answer's JSON; exits when the status is not the one expected."""
        got, data, _ = self.request(method, path, body, headers)
        if got != status:
            sys.exit(f"setup: {method} {path} answered {got} (expected {status}): {data[:500]!r}")
        return json.loads(data) if data else None


def sign_in(port, email, password):
    client = Client(port)
    answer = client.expect(200, "POST", "/api/v1/auth/token",
                           {"grant_type": "password", "email": email, "password": password})
    client.token = answer["access_token"]
    return client


def percentile(ordered, q):
    """Nearest-rank percentile of an already sorted list."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def figures_line(latencies):
    ordered = sorted(latencies)
    if not ordered:
        return "no answer"
    return (f"p50 {percentile(ordered, 0.50):.1f} ms, p90 {percentile(ordered, 0.90):.1f} ms, "
            f"p99 {percentile(ordered, 0.99):.1f} ms, max {ordered[-1]:.1f} ms")


def append_summary(path, lines):
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- CPU


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PG_BACKGROUND = ("walwriter", "checkpointer", "background writer", "autovacuum",
                 "logical replication", "archiver", "walsender", "stats")


def process_cpu(pid):
    """User + system CPU seconds of a process (all its threads), None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def postgres_processes(database):
    """Pids of the PostgreSQL backends connected to `database`, and of PostgreSQL's own
    background processes (WAL writer, checkpointer...), from their process titles."""
    backends, background = [], []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                title = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        if not title.startswith("postgres: "):
            continue
        if database and f" {database} " in title:
            backends.append(int(entry))
        elif any(word in title for word in PG_BACKGROUND):
            background.append(int(entry))
    return backends, background


def machine_cpu():
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat", encoding="ascii") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


class CpuMeter:
    """Who used the CPU between begin() and line(): the server, its PostgreSQL backends
    and PostgreSQL's background processes, this client, everything else."""

    def __init__(self, server_pid, database):
        self.server_pid = server_pid
        self.database = database
        self.start = None

    def snapshot(self):
        if not self.server_pid:
            return None
        backends, background = postgres_processes(self.database) if self.database else ([], [])
        usage = os.times()
        return {
            "server": process_cpu(self.server_pid) or 0.0,
            "pg": {pid: process_cpu(pid) for pid in backends},
            "pg_bg": {pid: process_cpu(pid) for pid in background},
            "client": usage.user + usage.system,
            "machine": machine_cpu(),
        }

    def begin(self):
        self.start = self.snapshot()

    def line(self, requests, what="request"):
        end = self.snapshot()
        if not end or not self.start or requests <= 0:
            return None
        start = self.start

        def spent(key):
            return sum(cpu - (start[key].get(pid) or 0.0)
                       for pid, cpu in end[key].items() if cpu is not None)

        server = end["server"] - start["server"]
        pg = spent("pg")
        pg_bg = spent("pg_bg")
        client = end["client"] - start["client"]
        busy = end["machine"][0] - start["machine"][0]
        total = end["machine"][1] - start["machine"][1]
        if total <= 0:
            return None
        others = max(0.0, busy - server - pg - pg_bg - client)

        def share(seconds):
            return f"{100 * seconds / total:.0f} %"

        pg_part = ""
        if self.database:
            pg_part = (f", PostgreSQL {1000 * pg / requests:.2f} ms (+ {1000 * pg_bg / requests:.2f}"
                       " ms in its WAL writer, checkpointer...)")
            pg_share = f", PostgreSQL {share(pg)} + {share(pg_bg)}"
        else:
            pg_share = ""
        return (f"CPU per {what}: server {1000 * server / requests:.2f} ms{pg_part}; machine busy "
                f"{share(busy)} of {os.cpu_count()} cores (server {share(server)}{pg_share}, "
                f"client {share(client)}, other processes {share(others)})")


# --------------------------------------------------------------------------- pg_stat_activity


class ActivitySampler:
    """Samples what the database's connections do, every `interval` seconds, through one
    long-lived psql: running (on CPU or in I/O), waiting for a lock, inside a transaction
    waiting for the server's next statement, idle between transactions."""

    QUERY = (
        "SELECT CASE "
        "WHEN state = 'active' AND wait_event_type = 'Lock' THEN 'waiting for a lock (' || wait_event || ')' "
        "WHEN state = 'active' AND wait_event_type IS NOT NULL THEN 'active, waiting on ' || wait_event_type || ':' || wait_event "
        "WHEN state = 'active' THEN 'active, on CPU' "
        "WHEN state = 'idle in transaction' THEN 'in a transaction, waiting for the server''s next statement' "
        "ELSE coalesce(state, '?') END, count(*) "
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend' GROUP BY 1;\n\\echo __END__\n"
    )

    def __init__(self, url, interval=0.1):
        self.url = url
        self.interval = interval
        self.counts = Counter()
        self.samples = 0
        self.stop = threading.Event()
        self.recording = threading.Event()
        self.thread = None
        self.proc = None

    def start(self):
        try:
            self.proc = subprocess.Popen(["psql", self.url, "-AtqX"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         text=True, bufsize=1)
        except OSError as e:
            print(f"  (pg_stat_activity not sampled: {e})")
            return
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                self.proc.stdin.write(self.QUERY)
                self.proc.stdin.flush()
                rows = []
                while True:
                    line = self.proc.stdout.readline()
                    if not line or line.strip() == "__END__":
                        break
                    rows.append(line.rstrip("\n"))
            except OSError:
                return
            if self.recording.is_set():
                self.samples += 1
                for row in rows:
                    what, _, count = row.rpartition("|")
                    if count.isdigit():
                        self.counts[what] += int(count)
            time.sleep(self.interval)

    def finish(self):
        self.stop.set()
        if self.thread:
            self.thread.join(timeout=5)
        if self.proc:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            self.proc.wait(timeout=5)

    def lines(self):
        if not self.samples:
            return []
        out = [f"database connections, on average over {self.samples} samples of pg_stat_activity:"]
        for what, count in self.counts.most_common():
            out.append(f"    {count / self.samples:5.2f}  {what}")
        return out


# --------------------------------------------------------------------------- setup


def luhn_key(digits):
    total = 0
    for i, ch in enumerate(reversed(digits + "0")):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


def command_setup(args):
    email = os.environ.get("OSE_BENCH_EMAIL")
    password = os.environ.get("OSE_BENCH_PASSWORD")
    if not email or not password:
        sys.exit("setup: OSE_BENCH_EMAIL and OSE_BENCH_PASSWORD must be set")
    admin = sign_in(args.port, email, password)
    skills, projects, partners = [], [], []
    for i in range(3):
        slug = f"ledger-skill-{i}"
        admin.expect(201, "POST", "/api/v1/skills",
                     {"slug": slug, "name": f"Ledger skill {i}", "category": "databases"})
        skills.append(slug)
        project = admin.expect(201, "POST", "/api/v1/projects", {
            "slug": f"ledger-project-{i}", "name": f"Ledger project {i}",
            "repository_url": f"https://git.example.org/ledger-project-{i}",
            "license": "MIT", "skills": [slug]})
        projects.append(project["id"])
        partner = admin.expect(201, "POST", "/api/v1/partners", {
            "name": f"Ledger partner {i}", "legal_name": f"Ledger partner {i} SAS",
            "siren": luhn_key(f"{91_000_000 + i:08d}"), "kind": "integrator",
            "status": "active", "contact_email": f"contact@ledger-partner-{i}.example.org",
            "region": "FR-IDF"})
        partners.append(partner["id"])
    buyer = admin.expect(201, "POST", "/api/v1/buyers", {
        "name": "Ledger bench buyer", "siret": luhn_key(f"{91_100_000_000_00:013d}"),
        "kind": "public_body", "contact_email": "achats@ledger-buyer.example.org"})
    users = [("buyer", "buyer_id", buyer["id"], "buyer@ledger-bench.example.org")] + [
        ("partner", "partner_id", pid, f"partner-{i}@ledger-bench.example.org")
        for i, pid in enumerate(partners)]
    for role, field, organisation, user_email in users:
        admin.expect(201, "POST", "/api/v1/users", {
            "email": user_email, "password": PASSWORD, "role": role, field: organisation})
    buyer_client = sign_in(args.port, users[0][3], PASSWORD)
    partner_clients = [sign_in(args.port, u[3], PASSWORD) for u in users[1:]]
    me = buyer_client.expect(200, "GET", "/api/v1/me")
    deadline = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)).strftime(
        "%Y-%m-%dT12:00:00Z")
    tender = buyer_client.expect(201, "POST", "/api/v1/tenders", {
        "reference": "BENCH-LEDGER-1", "title": "Ledger benchmark tender",
        "description": "One lot of three skills, each behind one upstream project.",
        "procedure": "open", "currency": CURRENCY, "estimated_value_minor": 100_000_000,
        "submission_deadline": deadline,
        "lots": [{"title": "Three skills", "estimated_value_minor": 100_000_000,
                  "required_skills": [{"skill": s, "min_level": "practitioner", "weight": w}
                                      for s, w in zip(skills, SKILL_WEIGHTS)]}]})
    tender_path = f"/api/v1/tenders/{tender['id']}"
    lot_id = tender["lots"][0]["id"]
    buyer_client.expect(200, "POST", f"{tender_path}/publish")
    bid = partner_clients[0].expect(201, "POST", f"{tender_path}/bids", {
        "lot_id": lot_id, "price_minor": 90_000_000, "currency": CURRENCY,
        "members": [{"partner_id": p, "share_bps": s} for p, s in zip(partners, MEMBER_SHARES)],
        "technical_summary": "Three partners, one per skill."}, {"Idempotency-Key": "bench-bid-1"})
    for member in partner_clients[1:]:
        member.expect(200, "POST", f"/api/v1/bids/{bid['id']}/confirm")
    partner_clients[0].expect(200, "POST", f"/api/v1/bids/{bid['id']}/submit")
    buyer_client.expect(200, "POST", f"{tender_path}/close")
    outcome = buyer_client.expect(200, "POST", f"{tender_path}/award",
                                  {"awards": [{"lot_id": lot_id, "bid_id": bid["id"]}]})
    contract_id = outcome["contracts"][0]["id"]
    share = buyer_client.expect(200, "GET", f"/api/v1/contracts/{contract_id}/revenue-share")
    allocation = [p["project_id"] for p in share["upstream_allocation"]]
    members = [m["partner_id"] for m in share["members"]]
    if sorted(allocation) != sorted(projects) or members != partners:
        sys.exit(f"setup: the agreement is not the one expected: {json.dumps(share)}")
    scene = {
        "contract_id": contract_id, "currency": CURRENCY, "buyer_id": buyer["id"],
        "buyer_user_id": me["id"], "projects": allocation, "partners": members,
        "platform_fee_bps": share["platform_fee_bps"], "upstream_bps": share["upstream_bps"],
        "weights": [p["weight"] for p in share["upstream_allocation"]],
        "shares": [m["share_bps"] for m in share["members"]],
        "buyer_token": buyer_client.token, "admin_token": admin.token,
    }
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(scene, out, indent=1)
    print(f"contract {contract_id} awarded through the API; its agreement: fee "
          f"{share['platform_fee_bps']} bps, upstream {share['upstream_bps']} bps to 3 projects "
          f"(weights {', '.join(str(w) for w in scene['weights'])}), 3 members "
          f"({', '.join(str(s) for s in scene['shares'])} bps)")
    return 0


def load_scene(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# --------------------------------------------------------------------------- post


def command_post(args):
    scene = load_scene(args.scene)
    path = f"/api/v1/contracts/{scene['contract_id']}/payments"
    run = uuid.uuid4().hex[:12]
    received_on = datetime.date.today().isoformat()
    # Every record: (start, end) on the perf_counter clock, latency in ms, status.
    records = [[] for _ in range(args.clients)]
    failures = Counter()
    samples = {}
    stop = threading.Event()
    ready = threading.Barrier(args.clients + 1)

    def client(n):
        http_client = Client(args.port, timeout=args.timeout, token=scene["buyer_token"])
        mine = records[n]
        ready.wait()
        i = 0
        while not stop.is_set():
            i += 1
            body = {"amount_minor": 1_000_000 + (n * 7919 + i) % 100_000, "currency": CURRENCY,
                    "received_on": received_on, "reference": f"BENCH-{run}-{n}-{i}"}
            started = time.perf_counter()
            try:
                status, data, elapsed = http_client.request(
                    "POST", path, body, {"Idempotency-Key": f"bench-{run}-{n}-{i}"})
            except (OSError, http.client.HTTPException) as e:
                status, data, elapsed = f"{type(e).__name__}", b"", (time.perf_counter() - started) * 1000
            mine.append((started, time.perf_counter(), elapsed, status))
            if status != 201 and status not in samples:
                samples[status] = data[:300]

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
    for t in threads:
        t.start()
    meter = CpuMeter(args.pid, args.database)
    sampler = ActivitySampler(args.pg_url) if args.pg_url else None
    if sampler:
        sampler.start()
    ready.wait()
    began = time.perf_counter()
    time.sleep(args.warmup)
    window_start = time.perf_counter()
    meter.begin()
    if sampler:
        sampler.recording.set()
    time.sleep(args.seconds)
    window_end = time.perf_counter()
    if sampler:
        sampler.recording.clear()
    cpu_line_pending = True
    measured = [r for rs in records for r in list(rs) if window_start <= r[1] <= window_end]
    cpu = meter.line(sum(1 for r in measured if r[3] == 201), "payment") if cpu_line_pending else None
    stop.set()
    for t in threads:
        t.join(timeout=args.timeout + 5)
    if sampler:
        sampler.finish()
    everything = [r for rs in records for r in rs]
    for r in everything:
        if r[3] != 201:
            failures[r[3]] += 1
    ok = [r for r in measured if r[3] == 201]
    rate = len(ok) / (window_end - window_start)
    errors = sum(failures.values())
    lines = [
        f"{args.clients} clients (threads, one keep-alive connection each), {args.warmup:g} s "
        f"warm-up then {args.seconds:g} s measured ({len(everything)} payments posted in all)",
        f"payments: {rate:.1f}/s ({len(ok)} answered 201 in the window), latency "
        f"{figures_line([r[2] for r in ok])}",
        f"errors: {errors}" + (f" {dict(failures)}" if errors else "")
        + f" over warm-up, window and drain  [must be 0: {'PASS' if errors == 0 else 'FAIL'}]",
    ]
    for status, data in samples.items():
        lines.append(f"    first answer {status}: {data!r}")
    buckets = []
    t = began
    while t < window_end - 0.5:
        upper = min(t + BUCKET_SECONDS, window_end)
        inside = [r for r in everything if t <= r[1] < upper and r[3] == 201]
        lat = sorted(r[2] for r in inside)
        mark = "" if t >= window_start - 0.01 else " (warm-up)"
        buckets.append(f"{t - began:4.0f}-{upper - began:<3.0f}s {len(inside) / (upper - t):6.1f}/s "
                       f"p50 {percentile(lat, 0.5) if lat else 0:6.1f} ms{mark}")
        t = upper
    lines.append("timeline (payments/s answered 201, median latency), from the first request:")
    lines.extend("    " + b for b in buckets)
    if cpu:
        lines.append(cpu)
    if sampler:
        lines.extend(sampler.lines())
    print("\n".join(lines), flush=True)
    append_summary(args.summary, lines)
    if args.result:
        with open(args.result, "w", encoding="utf-8") as out:
            json.dump({"rate": rate, "errors": errors, "ok": len(ok),
                       "p50": percentile(sorted(r[2] for r in ok), 0.5) if ok else None,
                       "p99": percentile(sorted(r[2] for r in ok), 0.99) if ok else None}, out)
    return 0


# --------------------------------------------------------------------------- verify, reads


def command_verify(args):
    scene = load_scene(args.scene)
    client = Client(args.port, timeout=600, token=scene["admin_token"])
    status, data, elapsed = client.request("GET", "/api/v1/ledger/verify")
    if status != 200:
        line = f"GET /api/v1/ledger/verify answered {status}: {data[:300]!r}"
    else:
        answer = json.loads(data)
        line = (f"GET /api/v1/ledger/verify: ok {str(answer['ok']).lower()}, "
                f"{answer['transactions_checked']} transactions and {answer['balances_checked']} "
                f"balances checked in {elapsed / 1000:.1f} s"
                + ("" if answer["ok"] else f", first broken seq {answer.get('first_broken_seq')}, "
                   f"account {answer.get('first_broken_account_id')}")
                + f"  [must be ok: {'PASS' if answer['ok'] else 'FAIL'}]")
    print(line)
    append_summary(args.summary, [line])
    return 0


def command_reads(args):
    scene = load_scene(args.scene)
    client = Client(args.port, token=scene["admin_token"])
    meter = CpuMeter(args.pid, args.database)
    path = f"/api/v1/ledger/accounts/{args.account}"
    latencies, statuses, last = [], Counter(), None
    for i in range(args.warmup + args.requests):
        if i == args.warmup:
            meter.begin()
        status, data, elapsed = client.request("GET", path)
        if i >= args.warmup:
            statuses[status] += 1
            latencies.append(elapsed)
        last = (status, data)
    cpu = meter.line(args.requests)
    line = f"{args.label}: {args.requests} reads, {figures_line(latencies)}"
    if statuses.keys() != {200}:
        line += f"; statuses {dict(statuses)}: {last[1][:200]!r}"
    elif args.expect_entries is not None:
        account = json.loads(last[1])
        line += f"; entries {account['entries']:,}, balance {account['balance_minor']:,}"
        if account["entries"] != args.expect_entries:
            line += f" (expected {args.expect_entries:,} entries)"
    if cpu:
        line += f"\n    {cpu}"
    print(line, flush=True)
    append_summary(args.summary, [line])
    if args.result:
        ordered = sorted(latencies)
        with open(args.result, "w", encoding="utf-8") as out:
            json.dump({"p50": percentile(ordered, 0.5), "p99": percentile(ordered, 0.99)}, out)
    return 0
