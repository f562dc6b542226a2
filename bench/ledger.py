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

    ledger.py reads --port P --scene scene.json --account ID [--account ID2...]
                    [--requests 2000] [--warmup 50] [--expect-entries N...] [--label TEXT...]
                    [--pid --database] [--result FILE]
        GET /api/v1/ledger/accounts/{ID} as the admin, one at a time on one keep-alive
        connection, N times per account; several accounts are read alternately, 50 reads
        at a time, so that the machine's other work weighs on each alike. Median, p90,
        p99, max per account; checks `entries` against --expect-entries.

    ledger.py ratio --http RATE --ceiling TPS --target PCT
    ledger.py read-factor --result FILE [--alone FILE] --target FACTOR
        The verdicts: HTTP posting against the pgbench ceiling; the read of the large
        account against the small one.

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
# Balance reads alternate between accounts in blocks of this many requests.
READ_BLOCK = 50


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
    measured = [r for rs in records for r in list(rs) if window_start <= r[1] <= window_end]
    cpu = meter.line(sum(1 for r in measured if r[3] == 201), "payment")
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
        f"{args.clients} client{'s' if args.clients > 1 else ''} (threads, one keep-alive "
        f"connection each), {args.warmup:g} s "
        f"warm-up then {args.seconds:g} s measured ({len(everything)} payments posted in all)",
        f"payments: {rate:.1f}/s ({len(ok)} answered 201 in the window), latency "
        f"{figures_line([r[2] for r in ok])}",
        f"errors: {errors}" + (f" {dict(failures)}" if errors else "")
        + f" over warm-up, window and drain  [must be 0: {'PASS' if errors == 0 else 'FAIL'}]",
    ]
    for status, data in samples.items():
        lines.append(f"    first answer {status}: {data!r}")
    bounds = [began, window_start]
    while bounds[-1] < window_end - 0.5:
        bounds.append(min(bounds[-1] + BUCKET_SECONDS, window_end))
    timeline = []
    for lower, upper in zip(bounds, bounds[1:]):
        inside = [r for r in everything if lower <= r[1] < upper and r[3] == 201]
        lat = sorted(r[2] for r in inside)
        timeline.append(f"{lower - began:3.0f}-{upper - began:3.0f} s: {len(inside) / (upper - lower):6.1f}/s, "
                        f"p50 {percentile(lat, 0.5) if lat else 0:.1f} ms"
                        + (" (warm-up)" if lower < window_start else ""))
    lines.append("timeline (payments/s answered 201, median latency), from the first request:")
    for i in range(0, len(timeline), 3):
        lines.append("    " + "; ".join(timeline[i:i + 3]))
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
    """Reads each account in turn, in blocks of READ_BLOCK requests, so that whatever else
    the machine does weighs on every account alike."""
    scene = load_scene(args.scene)
    client = Client(args.port, token=scene["admin_token"])
    accounts = args.account
    labels = (args.label or []) + [f"account {a}" for a in accounts[len(args.label or []):]]
    expected = (args.expect_entries or []) + [None] * len(accounts)
    meter = CpuMeter(args.pid, args.database)
    latencies = [[] for _ in accounts]
    statuses = [Counter() for _ in accounts]
    last = [None for _ in accounts]
    for n, account in enumerate(accounts):
        for _ in range(args.warmup):
            client.request("GET", f"/api/v1/ledger/accounts/{account}")
    meter.begin()
    done = 0
    while done < args.requests:
        block = min(READ_BLOCK, args.requests - done)
        for n, account in enumerate(accounts):
            for _ in range(block):
                status, data, elapsed = client.request("GET", f"/api/v1/ledger/accounts/{account}")
                statuses[n][status] += 1
                latencies[n].append(elapsed)
                last[n] = (status, data)
        done += block
    cpu = meter.line(args.requests * len(accounts))
    lines, results = [], []
    interleaved = (f", interleaved with {len(accounts) - 1} other account in blocks of {READ_BLOCK}"
                   if len(accounts) > 1 else "")
    for n, label in enumerate(labels):
        line = f"balance read, {label}: {args.requests} reads{interleaved}, {figures_line(latencies[n])}"
        if statuses[n].keys() != {200}:
            line += f"; statuses {dict(statuses[n])}: {last[n][1][:200]!r}"
        else:
            account = json.loads(last[n][1])
            line += f"; entries {account['entries']:,}, balance {account['balance_minor']:,}"
            if expected[n] is not None and account["entries"] != expected[n]:
                line += f" (expected {expected[n]:,} entries)"
        lines.append(line)
        ordered = sorted(latencies[n])
        results.append({"label": label, "p50": percentile(ordered, 0.5),
                        "p99": percentile(ordered, 0.99)})
    if cpu:
        lines.append(f"    {cpu}")
    print("\n".join(lines), flush=True)
    append_summary(args.summary, lines)
    if args.result:
        with open(args.result, "w", encoding="utf-8") as out:
            json.dump(results, out)
    return 0


# --------------------------------------------------------------------------- pgbench

# The columns diesel selects (`Selectable`), as the statements name them.
ACCOUNT_COLUMNS = ", ".join(f'"ledger_accounts"."{c}"' for c in (
    "id", "kind", "owner_id", "currency", "account_key", "balance_minor", "entries",
    "created_at", "updated_at"))
USER_COLUMNS = ", ".join(f'"users"."{c}"' for c in (
    "id", "email", "password_hash", "role", "partner_id", "buyer_id", "active",
    "token_generation", "created_at", "updated_at", "version"))
KEY_COLUMNS = ", ".join(f'"idempotency_keys"."{c}"' for c in (
    "scope", "idempotency_key", "fingerprint", "state", "response_status", "response_headers",
    "response_body", "created_at"))
CONTRACT_COLUMNS = ", ".join(f'"contracts"."{c}"' for c in (
    "id", "tender_id", "lot_id", "bid_id", "buyer_id", "value_minor", "currency", "created_at",
    "updated_at", "version"))
SHARE_COLUMNS = ", ".join(f'"revenue_shares"."{c}"' for c in (
    "contract_id", "platform_fee_bps", "upstream_bps", "frozen", "created_at", "updated_at",
    "version"))
# What the service stores as the answer of a payment (its JSON is about 1,700 bytes).
RESPONSE_BYTES = 1700

PGBENCH_HEADER = """\
-- One payment on PostgreSQL, statement for statement as ose-api sends it (captured with
-- log_statement = 'all' from the release server built at commit 622cd1e, 2026-12-01, and
-- read in the code named before each statement), for pgbench -M prepared. Written by
-- bench/ledger.py pgbench; bench/ledger runs it. When record_payment changes what it
-- sends, change this script with it (capture: ALTER DATABASE ... SET log_statement =
-- 'all', restart the server, post one payment, read the server's log).
--
-- What differs from the service, and why:
--  * ids and hashes are placeholders computed in SQL: the transaction's id is an md5 made
--    a uuid, its hash md5('a' || seq) || md5('b' || seq) (64 hex digits, what the head's
--    trigger compares), its prev_hash the head's; the split uses the agreement's figures
--    (fee rounded down, upstream rounded up, parts by weight and share, the last part
--    taking the rest) so that the postings balance, as the trigger checks;
--  * timestamps are localtimestamp where the service binds its clock's value, and the
--    purge's bound is computed in SQL (the service binds now - 24 h);
--  * the new balances come from the account rows read in the same transaction (\\gset),
--    as the service computes them in Rust from the same rows;
--  * the ledger_transactions INSERT ends with RETURNING (to reuse the id; same round trip);
--  * every statement is prepared once per client (-M prepared), where diesel sends many
--    of them unnamed (parsed and planned each time: the sql_query locks, the INSERTs and
--    UPDATEs) and caches the others;
--  * left out: the three `SELECT 1` the pool sends when it hands out a connection (r2d2's
--    test_on_check_out, src/db/mod.rs Db::new), one per part below.
"""


def command_pgbench(args):
    scene = load_scene(args.scene)
    weights, shares = scene["weights"], scene["shares"]
    fee_bps, up_bps = scene["platform_fee_bps"], scene["upstream_bps"]
    total_weight = sum(weights)
    os.makedirs(args.out, exist_ok=True)
    q = []
    q.append(PGBENCH_HEADER)
    q.append(f"""\\set amount random(1000000, 1099999)
\\set key random(1, 999999999999999)
-- The split (src/domain/ledger.rs split_payment, simplified: see above).
\\set fee :amount * {fee_bps} / 10000
\\set up (:amount * {up_bps} + 9999) / 10000""")
    parts = [f"fund{i}" for i in range(len(weights))]
    for i, w in enumerate(weights[:-1]):
        q.append(f"\\set fund{i} :up * {w} / {total_weight}")
    q.append(f"\\set fund{len(weights) - 1} :up - " + " - ".join(f":fund{i}" for i in range(len(weights) - 1)))
    q.append("\\set rest :amount - :fee - :up")
    for i, share in enumerate(shares[:-1]):
        q.append(f"\\set pay{i} :rest * {share} / 10000")
    q.append(f"\\set pay{len(shares) - 1} :rest - " + " - ".join(f":pay{i}" for i in range(len(shares) - 1)))
    parts = [("cash", ":amount", "debit"), ("fees", ":fee", "credit")] + [
        (f"fund{i}", f":fund{i}", "credit") for i in range(len(weights))] + [
        (f"pay{i}", f":pay{i}", "credit") for i in range(len(shares))]
    q.append(f"""
-- 1. Who calls: src/auth/principal.rs authenticate -> src/service/sessions.rs principal_for
--    -> src/db/users.rs find (its own pool checkout, no transaction).
SELECT {USER_COLUMNS} FROM "users" WHERE ("users"."id" = :user_id) LIMIT 1;

-- 2. The Idempotency-Key's claim, a write transaction of its own: src/service/idempotency.rs
--    once -> Db::write (src/db/mod.rs write_transaction: BEGIN ... COMMIT) -> claim.
BEGIN;
-- src/db/idempotency.rs purge (keys older than rules::RETENTION_HOURS = 24)
DELETE FROM "idempotency_keys" WHERE ("idempotency_keys"."created_at" < localtimestamp - interval '24 hours');
-- src/db/idempotency.rs find
SELECT {KEY_COLUMNS} FROM "idempotency_keys" WHERE (("idempotency_keys"."scope" = :scope) AND ("idempotency_keys"."idempotency_key" = :key::text)) LIMIT 1;
-- src/db/idempotency.rs claim
INSERT INTO "idempotency_keys" ("scope", "idempotency_key", "fingerprint", "state", "created_at") VALUES (:scope, :key::text, :fingerprint, 'in_flight', localtimestamp);
COMMIT;

-- 3. The payment and the key's completion, one write transaction: src/service/idempotency.rs
--    once -> Db::write -> src/service/ledger.rs record_payment, post, then
--    src/db/idempotency.rs complete.
BEGIN;
-- src/db/mod.rs lock(Lockable::Contracts): payments on one contract queue here (this
-- benchmark has one contract: every payment waits here, then holds the lock to COMMIT)
SELECT 1 AS locked FROM contracts WHERE id = :contract FOR UPDATE;
-- src/db/contracts.rs find, then with_members
SELECT {CONTRACT_COLUMNS} FROM "contracts" WHERE ("contracts"."id" = :contract) LIMIT 1;
SELECT "contract_members"."contract_id", "contract_members"."partner_id", "contract_members"."position", "contract_members"."share_bps" FROM "contract_members" WHERE ("contract_members"."contract_id" = ANY(ARRAY[:contract::text])) ORDER BY "contract_members"."contract_id" ASC, "contract_members"."position" ASC;
-- src/db/revenue_shares.rs find: the agreement, its projects, its members
SELECT {SHARE_COLUMNS} FROM "revenue_shares" WHERE ("revenue_shares"."contract_id" = :contract) LIMIT 1;
SELECT "revenue_share_projects"."contract_id", "revenue_share_projects"."project_id", "revenue_share_projects"."position", "revenue_share_projects"."weight" FROM "revenue_share_projects" WHERE ("revenue_share_projects"."contract_id" = :contract) ORDER BY "revenue_share_projects"."position" ASC;
SELECT "revenue_share_members"."contract_id", "revenue_share_members"."partner_id", "revenue_share_members"."position", "revenue_share_members"."share_bps" FROM "revenue_share_members" WHERE ("revenue_share_members"."contract_id" = :contract) ORDER BY "revenue_share_members"."position" ASC;
-- src/db/ledger.rs lock_head, once the split is known: every posting transaction (payments
-- on any contract, payouts, reversals) queues here
SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE \\gset head_
\\set seq :head_seq + 1
-- src/service/ledger.rs open_account -> src/db/ledger.rs account_by_key, once per leg:
-- cash, the platform's fees, each project's fund, each member's payable""")
    for name, _, _ in parts:
        q.append(f'SELECT {ACCOUNT_COLUMNS} FROM "ledger_accounts" WHERE ("ledger_accounts"."account_key" = :k_{name}) LIMIT 1 \\gset {name}_')
    q.append("""-- src/db/revenue_shares.rs freeze (after the first payment it changes no row)
UPDATE "revenue_shares" SET "frozen" = true, "updated_at" = localtimestamp, "version" = ("revenue_shares"."version" + 1) WHERE (("revenue_shares"."contract_id" = :contract) AND ("revenue_shares"."frozen" = false));
-- src/service/ledger.rs post -> src/db/ledger.rs insert_transaction: the transaction...
INSERT INTO "ledger_transactions" ("id", "seq", "kind", "contract_id", "reverses_id", "reference", "received_on", "recorded_at", "recorded_by", "prev_hash", "hash") VALUES (md5('pgbench-' || :seq::text)::uuid::text, :seq, 'payment', :contract, DEFAULT, 'PGBENCH-' || :seq::text, current_date, localtimestamp, :user_id, :head_hash, md5('a' || :seq::text) || md5('b' || :seq::text)) RETURNING "id", "hash" \\gset tx_
-- ... and its postings, one INSERT each (MultiConnection has no batch insert)""")
    for position, (name, amount, direction) in enumerate(parts):
        sign = "+"
        q.append(f"\\set {name}_after :{name}_balance_minor {sign} {amount}")
        q.append(f'INSERT INTO "ledger_postings" ("transaction_id", "position", "account_id", "direction", "amount_minor", "currency", "seq", "balance_after_minor") VALUES (:tx_id, {position}, :{name}_id, \'{direction}\', {amount}, :currency, :seq, :{name}_after);')
    q.append("-- src/db/ledger.rs set_balance, once per account")
    for name, _, _ in parts:
        q.append(f'UPDATE "ledger_accounts" SET "balance_minor" = :{name}_after, "entries" = :{name}_entries + 1, "updated_at" = localtimestamp WHERE ("ledger_accounts"."id" = :{name}_id);')
    q.append(f"""-- src/db/ledger.rs advance_head (its trigger, ledger_head_advances, checks the new head)
UPDATE "ledger_head" SET "seq" = :seq, "hash" = :tx_hash WHERE ("ledger_head"."id" = 1);
-- src/db/idempotency.rs complete: the answer kept for retries (about {RESPONSE_BYTES} bytes)
UPDATE "idempotency_keys" SET "state" = 'completed', "response_status" = 201, "response_headers" = '{{"location":"/api/v1/ledger/transactions/' || :tx_id || '","etag":"' || :tx_id || '.1"}}', "response_body" = repeat('x', {RESPONSE_BYTES}) WHERE (("idempotency_keys"."scope" = :scope) AND ("idempotency_keys"."idempotency_key" = :key::text));
COMMIT;
""")
    # Every credit-side account is credit-normal and cash debit-normal: each balance grows.
    script = "\n".join(q)
    with open(os.path.join(args.out, "payment.pgbench"), "w", encoding="utf-8") as out:
        out.write(script)
    currency = scene["currency"]
    keys = {"cash": f"cash:-:{currency}", "fees": f"platform_fees:-:{currency}"}
    for i, project in enumerate(scene["projects"]):
        keys[f"fund{i}"] = f"project_fund:{project}:{currency}"
    for i, partner in enumerate(scene["partners"]):
        keys[f"pay{i}"] = f"partner_payable:{partner}:{currency}"
    defines = {"contract": scene["contract_id"], "user_id": scene["buyer_user_id"],
               "scope": f"user:{scene['buyer_user_id']}", "currency": currency,
               "fingerprint": "0" * 64}
    defines.update({f"k_{name}": key for name, key in keys.items()})
    with open(os.path.join(args.out, "defines"), "w", encoding="utf-8") as out:
        out.write("".join(f"-D{name}={value}\n" for name, value in defines.items()))
    statements = sum(1 for line in script.splitlines()
                     if line and not line.startswith(("--", "\\set")))
    print(f"pgbench script: {statements} statements per payment ({args.out}/payment.pgbench)")
    return 0


# --------------------------------------------------------------------------- bulk load

BULK_SQL = """\
-- Adds postings to one account for the balance-read step of bench/ledger: :transactions
-- transactions (kind payment, no contract, currency USD so that the EUR accounts of the
-- HTTP run are untouched), each one debit of cash USD and """ + str(BULK_CREDITS) + """ credits to the
-- target account, chained after the head (placeholder md5 hashes: GET /ledger/verify
-- reports the chain broken from the first of them on). The stored balances, entry counts
-- and the head are updated to match, so the rows are consistent for reading; the head's
-- trigger and the foreign keys' triggers are off for the load (session_replication_role).
-- psql variables: target (account id), owner (partner id), cash (account id of cash USD),
-- recorded_by (user id), transactions.
\\set ON_ERROR_STOP on
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO ledger_accounts (id, kind, owner_id, currency, account_key, balance_minor, entries, created_at, updated_at)
VALUES (:'cash', 'cash', NULL, 'USD', 'cash:-:USD', 0, 0, localtimestamp, localtimestamp),
       (:'target', 'partner_payable', :'owner', 'USD', 'partner_payable:' || :'owner' || ':USD', 0, 0, localtimestamp, localtimestamp)
ON CONFLICT (id) DO NOTHING;
SELECT seq AS head_seq, hash AS head_hash FROM ledger_head WHERE id = 1 FOR UPDATE \\gset
SELECT balance_minor AS target_balance, entries AS target_entries FROM ledger_accounts WHERE id = :'target' \\gset
SELECT balance_minor AS cash_balance, entries AS cash_entries FROM ledger_accounts WHERE id = :'cash' \\gset
INSERT INTO ledger_transactions (id, seq, kind, contract_id, reverses_id, reference, received_on, recorded_at, recorded_by, prev_hash, hash)
SELECT md5('bulk-' || s)::uuid::text, s, 'payment', NULL, NULL, 'BULK-' || s, current_date, localtimestamp, :'recorded_by',
       CASE WHEN s = :head_seq + 1 THEN :'head_hash' ELSE md5('bulk-a' || (s - 1)) || md5('bulk-b' || (s - 1)) END,
       md5('bulk-a' || s) || md5('bulk-b' || s)
FROM generate_series(:head_seq + 1, :head_seq + :transactions) AS s;
INSERT INTO ledger_postings (transaction_id, position, account_id, direction, amount_minor, currency, seq, balance_after_minor)
SELECT md5('bulk-' || s)::uuid::text, p,
       CASE WHEN p = 0 THEN :'cash' ELSE :'target' END,
       CASE WHEN p = 0 THEN 'debit' ELSE 'credit' END,
       CASE WHEN p = 0 THEN """ + str(100 * BULK_CREDITS) + """ ELSE 100 END, 'USD', s,
       CASE WHEN p = 0 THEN :cash_balance + (s - :head_seq) * """ + str(100 * BULK_CREDITS) + """
            ELSE :target_balance + ((s - :head_seq - 1) * """ + str(BULK_CREDITS) + """ + p) * 100 END
FROM generate_series(:head_seq + 1, :head_seq + :transactions) AS s, generate_series(0, """ + str(BULK_CREDITS) + """) AS p;
UPDATE ledger_accounts SET balance_minor = balance_minor + :transactions * """ + str(100 * BULK_CREDITS) + """,
       entries = entries + :transactions, updated_at = localtimestamp WHERE id = :'cash';
UPDATE ledger_accounts SET balance_minor = balance_minor + :transactions * """ + str(100 * BULK_CREDITS) + """,
       entries = entries + :transactions * """ + str(BULK_CREDITS) + """, updated_at = localtimestamp WHERE id = :'target';
UPDATE ledger_head SET seq = :head_seq + :transactions,
       hash = md5('bulk-a' || (:head_seq + :transactions)) || md5('bulk-b' || (:head_seq + :transactions))
WHERE id = 1;
COMMIT;
"""


def command_bulk_sql(args):
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(BULK_SQL)
    return 0


# --------------------------------------------------------------------------- verdicts


def command_ratio(args):
    ratio = 100 * args.http / args.ceiling
    line = (f"HTTP posting on PostgreSQL {args.http:.1f}/s = {ratio:.0f} % of the pgbench "
            f"ceiling {args.ceiling:.1f}/s  [target >= {args.target:g} %: "
            f"{'PASS' if ratio >= args.target else 'FAIL'}]")
    print(line)
    append_summary(args.summary, [line])
    return 0


def command_read_factor(args):
    """The read of the large account against the small one, read alternately (the first
    two results of --result), and against the small one read alone before (--alone)."""
    with open(args.result, encoding="utf-8") as f:
        small, large = json.load(f)[:2]
    factor = large["p50"] / small["p50"]
    lines = [f"balance read at {large['label']} vs {small['label']}, read alternately: median "
             f"{large['p50']:.2f} / {small['p50']:.2f} ms = {factor:.2f}x (p99 "
             f"{large['p99']:.2f} / {small['p99']:.2f} ms = {large['p99'] / small['p99']:.2f}x)  "
             f"[target median within {args.target:g}x: {'PASS' if factor <= args.target else 'FAIL'}]"]
    if args.alone:
        with open(args.alone, encoding="utf-8") as f:
            alone = json.load(f)[0]
        lines.append(f"    against {alone['label']} read alone, before the large load: median "
                     f"{large['p50'] / alone['p50']:.2f}x, p99 {large['p99'] / alone['p99']:.2f}x")
    print("\n".join(lines))
    append_summary(args.summary, lines)
    return 0


# --------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup", help="build the awarded contract through the API")
    setup.add_argument("--port", type=int, required=True)
    setup.add_argument("--out", required=True)
    post = sub.add_parser("post", help="post payments from concurrent clients")
    post.add_argument("--port", type=int, required=True)
    post.add_argument("--scene", required=True)
    post.add_argument("--clients", type=int, default=16)
    post.add_argument("--warmup", type=float, default=5)
    post.add_argument("--seconds", type=float, default=20)
    post.add_argument("--timeout", type=float, default=60)
    post.add_argument("--pid", type=int, help="the server's pid: shows who used the CPU")
    post.add_argument("--database", help="its PostgreSQL database: counts its backends")
    post.add_argument("--pg-url", help="samples the database's pg_stat_activity")
    post.add_argument("--summary", help="file to append the figures to")
    post.add_argument("--result", help="file to write the figures to, as JSON")
    verify = sub.add_parser("verify", help="GET /api/v1/ledger/verify")
    verify.add_argument("--port", type=int, required=True)
    verify.add_argument("--scene", required=True)
    verify.add_argument("--summary")
    reads = sub.add_parser("reads", help="time sequential reads of one account")
    reads.add_argument("--port", type=int, required=True)
    reads.add_argument("--scene", required=True)
    reads.add_argument("--account", required=True, action="append",
                       help="an account to read (repeat it: the accounts are read alternately)")
    reads.add_argument("--requests", type=int, default=2000, help="reads per account")
    reads.add_argument("--warmup", type=int, default=50)
    reads.add_argument("--expect-entries", type=int, action="append")
    reads.add_argument("--label", action="append")
    reads.add_argument("--pid", type=int)
    reads.add_argument("--database")
    reads.add_argument("--summary")
    reads.add_argument("--result")
    pgbench = sub.add_parser("pgbench", help="write the pgbench script of one payment")
    pgbench.add_argument("--scene", required=True)
    pgbench.add_argument("--out", required=True)
    bulk = sub.add_parser("bulk-sql", help="write the psql script of the bulk load")
    bulk.add_argument("--out", required=True)
    ratio = sub.add_parser("ratio", help="the HTTP rate against the pgbench ceiling")
    ratio.add_argument("--http", type=float, required=True)
    ratio.add_argument("--ceiling", type=float, required=True)
    ratio.add_argument("--target", type=float, required=True, help="least ratio, in %%")
    ratio.add_argument("--summary")
    factor = sub.add_parser("read-factor", help="the read at 1,000,000 against 10,000 entries")
    factor.add_argument("--result", required=True,
                        help="--result of the reads of the small then the large account")
    factor.add_argument("--alone", help="--result of the small account read alone")
    factor.add_argument("--target", type=float, required=True, help="largest factor")
    factor.add_argument("--summary")
    args = parser.parse_args()
    commands = {"setup": command_setup, "post": command_post, "verify": command_verify,
                "reads": command_reads, "pgbench": command_pgbench, "bulk-sql": command_bulk_sql,
                "ratio": command_ratio, "read-factor": command_read_factor}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
