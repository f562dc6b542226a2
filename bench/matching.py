#!/usr/bin/env python3
"""Helper of bench/matching: generates the network and measures the matching endpoints.

Standard library only. Three subcommands:

    matching.py data DIR
        Writes into DIR the tables of a generated network as COPY files (text format),
        `load.sql` (a psql script that loads them), `lots.json` (the tender, its lots and
        their skills) and `pgbench-lot15.sql` (the two queries the service runs to load
        the candidates of the 15-skill lot).

    matching.py medians [--criterion-dir target/criterion]
        Prints the medians that `cargo bench --bench matching` saved (criterion's own
        summary line shows its mean).

    matching.py measure --port P --lots DIR/lots.json [--requests 200] [--warmup 5]
                        [--pid SERVER_PID --database NAME]
        Signs in (OSE_BENCH_EMAIL, OSE_BENCH_PASSWORD from the environment), then on one
        keep-alive connection times, for each lot, N consortium proposals (POST
        .../consortium-proposals, body {}) and N rankings (GET .../matches?limit=100),
        one request at a time. Prints count, median, p90, p99 and max, what the proposal
        said (exact, team), and with --pid the CPU used per request by the server and by
        its PostgreSQL backends, and how busy the machine was (from /proc).

The network is drawn from a fixed seed by xorshift64*, with the same draws in the same
order as benches/matching.rs, so both benchmarks work on the same partners and lots and
their proposals can be compared team for team. Shape: 500 skills; 10,000 active
partners each holding 5 to 40 distinct skills, levels 1 (practitioner) to 4
(maintainer), 30 % verified; 300 projects linked to 1 to 3 skills each, a quarter with
a steward (also a verified 'steward' link, as the application writes it); 1,000 drawn
contributor or maintainer links (a pair already linked is skipped); one buyer, one
published tender whose three lots require 5, 10 and 15 skills.

Exits 0 whatever the figures; non-zero only when it cannot run.
"""

import argparse
import datetime
import http.client
import json
import math
import os
import sys
import time
from collections import Counter

# The shape of the network: the same numbers as benches/matching.rs.
SEED = 0x9E3779B97F4A7C15
SKILLS = 500
PARTNERS = 10_000
PROJECTS = 300
LINK_DRAWS = 1_000
LOT_SIZES = (5, 10, 15)
MASK = (1 << 64) - 1

# Targets from the issue (release build, this machine).
TARGET_PROPOSAL_MS = 50  # median, 15-skill lot, loading included
TARGET_RANKING_MS = 20  # ranking all candidates of the 10,000 partners

LEVELS = {1: "practitioner", 2: "expert", 3: "contributor", 4: "maintainer"}
KINDS = ("integrator", "publisher", "independent_expert", "integrator", "community", "foundation")
MEMBERSHIPS = ("member", "member", "supporter", "founding")
REGIONS = ("FR-IDF", "FR-ARA", "FR-OCC", "FR-NAQ", "FR-BRE", "FR-PDL", "FR-HDF", "FR-GES")
LICENSES = ("MIT", "Apache-2.0", "GPL-3.0-or-later", "AGPL-3.0-only", "BSD-3-Clause", "MPL-2.0")
CATEGORIES = ("databases", "gis", "languages", "infrastructure", "web", "security", "data")
CREATED = "2026-01-05 09:00:00"
VERIFIER = "bench-admin"


# --------------------------------------------------------------------------- network


class Rng:
    """xorshift64*, exactly as in benches/matching.rs."""

    def __init__(self, seed):
        self.state = seed

    def next(self):
        x = self.state
        x ^= x >> 12
        x ^= (x << 25) & MASK
        x ^= x >> 27
        self.state = x
        return (x * 0x2545F4914F6CDD1D) & MASK

    def below(self, n):
        return self.next() % n

    def distinct(self, count, n):
        chosen = []
        while len(chosen) < count:
            value = self.below(n)
            if value not in chosen:
                chosen.append(value)
        return chosen


def uuid(kind, index):
    """UUID-shaped ids whose text order is the index order, one prefix per kind."""
    return f"{kind:08x}-0000-4000-8000-{index:012x}"


def skill_id(i):
    return uuid(1, i)


def partner_id(i):
    return uuid(2, i)


def project_id(i):
    return uuid(3, i)


def partner_number(pid):
    return int(pid[24:], 16)


def generate():
    """Partners' claims, projects, links and lots, drawn as benches/matching.rs draws."""
    rng = Rng(SEED)
    claims = []
    for _ in range(PARTNERS):
        count = 5 + rng.below(36)
        held = []
        for skill in rng.distinct(count, SKILLS):
            level = 1 + rng.below(4)
            verified = rng.below(10) < 3
            held.append((skill, level, verified))
        claims.append(held)
    projects = []
    for _ in range(PROJECTS):
        count = 1 + rng.below(3)
        skills = rng.distinct(count, SKILLS)
        steward = rng.below(PARTNERS) if rng.below(4) == 0 else None
        projects.append((skills, steward))
    links = {}
    for index, (_, steward) in enumerate(projects):
        if steward is not None:
            links[(steward, index)] = ("steward", True)
    for _ in range(LINK_DRAWS):
        partner = rng.below(PARTNERS)
        project = rng.below(PROJECTS)
        role = "maintainer" if rng.below(4) == 0 else "contributor"
        verified = rng.below(2) == 0
        links.setdefault((partner, project), (role, verified))
    lots = []
    for size in LOT_SIZES:
        lot = []
        for skill in rng.distinct(size, SKILLS):
            draw = rng.below(10)
            min_level = 2 if draw <= 5 else 1 if draw <= 8 else 3
            weight = 1 + rng.below(10)
            lot.append((skill, min_level, weight))
        lots.append(lot)
    return claims, projects, dict(sorted(links.items())), lots


# --------------------------------------------------------------------------- data


def copy_field(value):
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return (
        text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def fold_lines(*parts):
    """search_text as the application computes it: each part trimmed and lowercased, one
    per line."""
    return "\n".join(part.strip().lower() for part in parts)


def siren(n):
    """A 9-digit SIREN with a valid Luhn key, unique per n."""
    body = f"{100_000_000 // 10 + n:08d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def write_table(directory, name, columns, rows):
    path = os.path.join(directory, f"{name}.copy")
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write("\t".join(copy_field(v) for v in row))
            out.write("\n")
            count += 1
    return name, columns, path, count


def command_data(args):
    directory = os.path.abspath(args.dir)
    os.makedirs(directory, exist_ok=True)
    claims, projects, links, lots = generate()
    deadline = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=365)).strftime(
        "%Y-%m-%d 12:00:00"
    )
    tables = []

    def skills():
        for i in range(SKILLS):
            slug, name = f"skill-{i:03d}", f"Skill {i:03d}"
            description = f"Generated skill {i} for the matching benchmark."
            yield (skill_id(i), slug, name, CATEGORIES[i % len(CATEGORIES)], None, description,
                   None, CREATED, CREATED, 1, fold_lines(slug, name, description))

    tables.append(write_table(directory, "skills", (
        "id", "slug", "name", "category", "parent_id", "description", "esco_uri",
        "created_at", "updated_at", "version", "search_text"), skills()))

    def partners():
        for p in range(PARTNERS):
            name = f"Partner {p:05d}"
            legal = f"Partner {p:05d} SAS"
            description = f"Generated partner {p} holding {len(claims[p])} skills."
            yield (partner_id(p), name, name.strip().lower(), legal, siren(p), KINDS[p % len(KINDS)],
                   MEMBERSHIPS[p % len(MEMBERSHIPS)], "active", p % 3 == 0,
                   f"https://partner-{p:05d}.example.org", f"contact@partner-{p:05d}.example.org",
                   REGIONS[p % len(REGIONS)], 1 + p % 200, description,
                   fold_lines(name, legal, description), CREATED, CREATED, 1)

    tables.append(write_table(directory, "partners", (
        "id", "name", "name_key", "legal_name", "siren", "kind", "membership", "status",
        "verified", "website", "contact_email", "region", "headcount", "description",
        "search_text", "created_at", "updated_at", "version"), partners()))

    def partner_skills():
        for p, held in enumerate(claims):
            for skill, level, verified in held:
                # Contributor and maintainer claims come with evidence, as the API asks.
                evidence = (
                    json.dumps([f"https://git.example.org/partner-{p:05d}/skill-{skill:03d}"])
                    if level >= 3 else "[]"
                )
                yield (partner_id(p), skill_id(skill), level, level - 1, evidence, verified,
                       CREATED if verified else None, VERIFIER if verified else None,
                       CREATED, CREATED, 1)

    tables.append(write_table(directory, "partner_skills", (
        "partner_id", "skill_id", "level", "certified_experts", "evidence_urls", "verified",
        "verified_at", "verified_by", "created_at", "updated_at", "version"), partner_skills()))

    def project_rows():
        for j, (_, steward) in enumerate(projects):
            slug, name = f"project-{j:03d}", f"Project {j:03d}"
            license_id = LICENSES[j % len(LICENSES)]
            description = f"Generated upstream project {j}."
            yield (project_id(j), slug, name, f"https://git.example.org/{slug}", None, license_id,
                   f" {license_id} ", description,
                   partner_id(steward) if steward is not None else None,
                   fold_lines(slug, name, description), CREATED, CREATED, 1)

    tables.append(write_table(directory, "projects", (
        "id", "slug", "name", "repository_url", "website", "license", "license_ids",
        "description", "steward_partner_id", "search_text", "created_at", "updated_at",
        "version"), project_rows()))

    tables.append(write_table(directory, "project_skills", ("project_id", "skill_id"), (
        (project_id(j), skill_id(s)) for j, (skills_of, _) in enumerate(projects)
        for s in skills_of)))

    def partner_projects():
        for (p, j), (role, verified) in links.items():
            evidence = json.dumps([f"https://git.example.org/project-{j:03d}"])
            yield (partner_id(p), project_id(j), role, evidence, verified,
                   CREATED if verified else None, VERIFIER if verified else None,
                   CREATED, CREATED, 1)

    tables.append(write_table(directory, "partner_projects", (
        "partner_id", "project_id", "role", "evidence_urls", "verified", "verified_at",
        "verified_by", "created_at", "updated_at", "version"), partner_projects()))

    buyer = uuid(6, 0)
    tables.append(write_table(directory, "buyers", (
        "id", "name", "siret", "kind", "contact_email", "search_text", "created_at",
        "updated_at", "version"), [(buyer, "Bench Public Body", siren(99_999) + "00012",
                                    "public_body", "buyer@bench.example.org",
                                    fold_lines("Bench Public Body"), CREATED, CREATED, 1)]))

    tender = uuid(5, 0)
    reference, title = "BENCH-MATCHING-1", "Matching benchmark tender"
    description = "Three lots of 5, 10 and 15 required skills."
    tables.append(write_table(directory, "tenders", (
        "id", "buyer_id", "reference", "title", "description", "procedure", "currency",
        "estimated_value_minor", "submission_deadline", "status", "published_at", "closed_at",
        "search_text", "created_at", "updated_at", "version"), [(
            tender, buyer, reference, title, description, "open", "EUR", 300_000_00, deadline,
            "published", CREATED, None, fold_lines(reference, title, description), CREATED,
            CREATED, 1)]))

    lot_ids = [uuid(4, n) for n in range(len(lots))]
    tables.append(write_table(directory, "lots", (
        "id", "tender_id", "position", "title", "description", "estimated_value_minor"), [
            (lot_ids[n], tender, n, f"Lot of {len(lot)} skills", "", 100_000_00)
            for n, lot in enumerate(lots)]))
    tables.append(write_table(directory, "lot_skills", (
        "lot_id", "skill_id", "position", "min_level", "weight"), [
            (lot_ids[n], skill_id(s), position, min_level, weight)
            for n, lot in enumerate(lots) for position, (s, min_level, weight) in enumerate(lot)]))

    with open(os.path.join(directory, "load.sql"), "w", encoding="utf-8") as out:
        out.write("\\set ON_ERROR_STOP on\nBEGIN;\n")
        for name, columns, path, _ in tables:
            out.write(f"\\copy {name} ({', '.join(columns)}) FROM '{path}'\n")
        out.write("COMMIT;\n")

    lots_json = {
        "tender_id": tender,
        "lots": [
            {"id": lot_ids[n], "skills": [skill_id(s) for s, _, _ in lot],
             "min_levels": [LEVELS[m] for _, m, _ in lot], "weights": [w for _, _, w in lot]}
            for n, lot in enumerate(lots)
        ],
    }
    with open(os.path.join(directory, "lots.json"), "w", encoding="utf-8") as out:
        json.dump(lots_json, out, indent=1)

    # The service's two loading queries (db::partner_skills::holders_of and
    # db::partner_projects::upstream_links) for the 15-skill lot. Diesel binds the ids as
    # one array (`= ANY($1)`); PostgreSQL plans an IN list as that same `= ANY` array.
    ids = ", ".join(f"'{skill_id(s)}'" for s, _, _ in lots[-1])
    with open(os.path.join(directory, "pgbench-lot15.sql"), "w", encoding="utf-8") as out:
        out.write(
            "SELECT ps.partner_id, p.name, p.kind, ps.skill_id, ps.level, ps.verified "
            "FROM partner_skills ps JOIN partners p ON p.id = ps.partner_id "
            f"WHERE ps.skill_id IN ({ids}) AND p.status = 'active' "
            "ORDER BY ps.partner_id, ps.skill_id;\n"
            "SELECT pp.partner_id, p.name, p.kind, pp.project_id, pr.name, pp.role, "
            "pp.verified, s.skill_id FROM partner_projects pp "
            "JOIN partners p ON p.id = pp.partner_id JOIN projects pr ON pr.id = pp.project_id "
            "JOIN project_skills s ON s.project_id = pp.project_id "
            f"WHERE s.skill_id IN ({ids}) AND p.status = 'active' "
            "ORDER BY pp.partner_id, pp.project_id;\n"
        )

    for name, _, _, count in tables:
        print(f"  {name}: {count} rows")
    return 0


# --------------------------------------------------------------------------- measure


def percentile(ordered, q):
    """Nearest-rank percentile of an already sorted list."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class Client:
    """One keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, port, timeout):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.headers = {"Accept": "application/json"}

    def request(self, method, path, body=None):
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        self.conn.request(method, path, body=payload, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, data, elapsed_ms


def sign_in(client):
    email = os.environ.get("OSE_BENCH_EMAIL")
    password = os.environ.get("OSE_BENCH_PASSWORD")
    if not email or not password:
        sys.exit("measure: OSE_BENCH_EMAIL and OSE_BENCH_PASSWORD must be set")
    status, data, _ = client.request(
        "POST", "/api/v1/auth/token",
        {"grant_type": "password", "email": email, "password": password},
    )
    if status != 200:
        sys.exit(f"measure: sign-in answered {status}: {data[:300]!r}")
    client.headers["Authorization"] = f"Bearer {json.loads(data)['access_token']}"


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid):
    """User + system CPU seconds of a process (all its threads), None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def backends(database):
    """Pids of the PostgreSQL backends connected to `database` (their process titles)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                title = f.read()
        except OSError:
            continue
        if title.startswith(b"postgres: ") and f" {database} ".encode() in title:
            found.append(int(entry))
    return found


def machine_cpu():
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat", encoding="ascii") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


class CpuMeter:
    """Who used the CPU during a series: the server, its PostgreSQL backends, this
    client, and everything else on the machine."""

    def __init__(self, server_pid, database):
        self.server_pid = server_pid
        self.database = database
        self.start = None

    def snapshot(self):
        if not self.server_pid:
            return None
        pg = {pid: process_cpu(pid) for pid in backends(self.database)} if self.database else {}
        usage = os.times()
        return {
            "server": process_cpu(self.server_pid) or 0.0,
            "pg": {pid: cpu for pid, cpu in pg.items() if cpu is not None},
            "client": usage.user + usage.system,
            "machine": machine_cpu(),
        }

    def begin(self):
        self.start = self.snapshot()

    def line(self, requests):
        end = self.snapshot()
        if not end or not self.start:
            return None
        start = self.start
        server = end["server"] - start["server"]
        pg = sum(cpu - start["pg"].get(pid, 0.0) for pid, cpu in end["pg"].items())
        client = end["client"] - start["client"]
        busy = end["machine"][0] - start["machine"][0]
        total = end["machine"][1] - start["machine"][1]
        if total <= 0:
            return None
        others = max(0.0, busy - server - pg - client)

        def share(seconds):
            return f"{100 * seconds / total:.0f} %"

        return (f"CPU per request: server {1000 * server / requests:.1f} ms, PostgreSQL "
                f"{1000 * pg / requests:.1f} ms; machine busy {share(busy)} of "
                f"{os.cpu_count()} cores (server {share(server)}, PostgreSQL {share(pg)}, "
                f"this client {share(client)}, other processes {share(others)})")


def run_series(client, meter, method, path, body, requests, warmup):
    """Warm-up requests, then `requests` timed ones; the last answer, the statuses and
    the CPU line of the timed ones."""
    statuses = Counter()
    latencies = []
    last = None
    for i in range(warmup + requests):
        if i == warmup:
            meter.begin()
        status, data, elapsed_ms = client.request(method, path, body)
        if i >= warmup:
            statuses[status] += 1
            latencies.append(elapsed_ms)
        if status != 200:
            if last is None or last[0] == 200:
                print(f"    answered {status}: {data[:300]!r}")
        last = (status, data)
    return latencies, statuses, last, meter.line(requests)


def figures(latencies):
    ordered = sorted(latencies)
    return {
        "count": len(ordered),
        "median": percentile(ordered, 0.50),
        "p90": percentile(ordered, 0.90),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1],
    }


def figures_line(f):
    return (f"n {f['count']}, median {f['median']:.1f} ms, p90 {f['p90']:.1f} ms, "
            f"p99 {f['p99']:.1f} ms, max {f['max']:.1f} ms")


def command_measure(args):
    with open(args.lots, encoding="utf-8") as f:
        spec = json.load(f)
    client = Client(args.port, args.timeout)
    meter = CpuMeter(args.pid, args.database)
    sign_in(client)
    tender = spec["tender_id"]
    summary = []
    print(f"{args.requests} timed requests per line after {args.warmup} warm-up requests, "
          "one at a time on one keep-alive connection")
    for lot in spec["lots"]:
        size = len(lot["skills"])
        base = f"/api/v1/tenders/{tender}/lots/{lot['id']}"

        latencies, statuses, last, cpu = run_series(
            client, meter, "POST", f"{base}/consortium-proposals", {}, args.requests,
            args.warmup)
        f = figures(latencies)
        line = f"proposal {size:>2} skills: {figures_line(f)}"
        if statuses.keys() != {200}:
            line += f"; statuses {dict(statuses)}"
        if last and last[0] == 200:
            proposal = json.loads(last[1])
            team = [partner_number(m["partner_id"]) for m in proposal["members"]]
            line += (f"; exact {str(proposal['exact']).lower()}, team of {len(team)} "
                     f"(partners {', '.join(map(str, team))}), total score "
                     f"{proposal['total_score']}, {len(proposal['uncovered_skills'])} uncovered")
        if size == max(LOT_SIZES):
            ok = f["median"] < TARGET_PROPOSAL_MS
            line += (f"  [target median < {TARGET_PROPOSAL_MS} ms: "
                     f"{'PASS' if ok else 'FAIL'}]")
        if cpu:
            line += f"\n    {cpu}"
        print(line, flush=True)
        summary.append(line)

        latencies, statuses, last, cpu = run_series(
            client, meter, "GET", f"{base}/matches?limit=100", None, args.requests,
            args.warmup)
        f = figures(latencies)
        line = f"ranking  {size:>2} skills: {figures_line(f)}"
        if statuses.keys() != {200}:
            line += f"; statuses {dict(statuses)}"
        if last and last[0] == 200:
            page = json.loads(last[1])
            line += (f"; page of {len(page['items'])}, best score "
                     f"{page['items'][0]['score'] if page['items'] else '-'}")
        if cpu:
            line += f"\n    {cpu}"
        print(line, flush=True)
        summary.append(line)
    if args.summary:
        with open(args.summary, "a", encoding="utf-8") as out:
            out.write("\n".join(summary) + "\n")
    return 0


# --------------------------------------------------------------------------- medians


def command_medians(args):
    """The medians criterion saved for `cargo bench --bench matching`."""
    root = os.path.abspath(args.criterion_dir)
    rows = []
    for group in ("rank", "propose"):
        group_dir = os.path.join(root, group)
        if not os.path.isdir(group_dir):
            continue
        for dirpath, _, filenames in os.walk(group_dir):
            if os.path.basename(dirpath) != "new" or "estimates.json" not in filenames:
                continue
            with open(os.path.join(dirpath, "estimates.json"), encoding="utf-8") as f:
                estimates = json.load(f)
            name = os.path.relpath(os.path.dirname(dirpath), root)
            median = estimates["median"]
            rows.append((name, median["point_estimate"] / 1e6,
                         median["confidence_interval"]["lower_bound"] / 1e6,
                         median["confidence_interval"]["upper_bound"] / 1e6))
    if not rows:
        sys.exit(f"no criterion estimates under {root}: run `cargo bench --bench matching` first")

    def order(row):
        parts = row[0].split(os.sep)
        # Rankings first, the lot's candidates before everyone, then by lot size.
        return (parts[0] != "rank", len(parts) > 1 and parts[1] == "all_partners",
                int(parts[-1]) if parts[-1].isdigit() else 0)

    for name, point, low, high in sorted(rows, key=order):
        print(f"{name:<28} median {point:8.3f} ms  (95 % CI {low:.3f} to {high:.3f} ms)")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser("data", help="generate the network as COPY files")
    data.add_argument("dir")
    measure = sub.add_parser("measure", help="time the matching endpoints")
    measure.add_argument("--port", type=int, required=True)
    measure.add_argument("--lots", required=True, help="lots.json written by `data`")
    measure.add_argument("--requests", type=int, default=200)
    measure.add_argument("--warmup", type=int, default=5)
    measure.add_argument("--timeout", type=float, default=60.0)
    measure.add_argument("--summary", help="file to append the figures to")
    measure.add_argument("--pid", type=int, help="the server's pid: shows who used the CPU")
    measure.add_argument("--database", help="its database name: counts its PostgreSQL backends")
    medians = sub.add_parser("medians", help="print the medians of `cargo bench --bench matching`")
    medians.add_argument("--criterion-dir", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "target", "criterion"))
    args = parser.parse_args()
    if args.command == "medians":
        return command_medians(args)
    if args.command == "data":
        return command_data(args)
    return command_measure(args)


if __name__ == "__main__":
    sys.exit(main())
