#!/usr/bin/env python3
"""Load generator for bench/run: drives one scenario against a running ose-api and
prints what the clients saw and what the server process did meanwhile.

Standard library only (Python >= 3.11, for asyncio.timeout), so the benchmark needs no
install. The HTTP/1.1 client is a minimal one on raw asyncio streams: it must keep
64 keep-alive connections busy, hold 20,000 half-sent requests open and time a probe to
the millisecond, none of which needs more than status line, headers and a body length.

    load.py flood --port P --pid PID [--seconds 60] [--clients 64]
    load.py slow  --port P --pid PID [--connections 20000] [--hold 60]

`slow` starts child processes of its own (`load.py slow-clients`) to hold the
connections.

Each scenario prints its full report, appends its key lines to --summary (if given)
and exits 0 whatever the figures; it exits non-zero only when it cannot run at all.
"""

import argparse
import asyncio
import json
import math
import os
import random
import resource
import shutil
import string
import sys
import time
from collections import Counter

HOST = "127.0.0.1"
MIB = 1024 * 1024

# Targets from the issue (scenario 1).
TARGET_PEAK_RSS_MIB = 150
TARGET_PARTNERS_P99_MS = 100


# --------------------------------------------------------------------------- figures


def percentile(ordered, q):
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ms(value):
    return "-" if value is None else f"{value:.1f} ms"


def latency_line(latencies_ms):
    ordered = sorted(latencies_ms)
    return (
        f"p50 {ms(percentile(ordered, 0.50))}, p95 {ms(percentile(ordered, 0.95))}, "
        f"p99 {ms(percentile(ordered, 0.99))}, max {ms(ordered[-1] if ordered else None)}"
    )


def counts(counter):
    return ", ".join(f"{key}: {n}" for key, n in sorted(counter.items(), key=str)) or "none"


def verdict(ok):
    return "PASS" if ok else "FAIL"


class Report:
    """Prints lines as they come and keeps the ones meant for the final summary."""

    def __init__(self, summary_path):
        self.summary_path = summary_path
        self.summary = []

    def line(self, text="", summary=False):
        print(text, flush=True)
        if summary:
            self.summary.append(text)

    def save(self):
        if self.summary_path:
            with open(self.summary_path, "a", encoding="utf-8") as out:
                out.write("\n".join(self.summary) + "\n")


# ------------------------------------------------------------------ server process


class ServerWatch:
    """Reads the server's memory, CPU time and open descriptors from /proc: the
    figures come from the kernel, so the server needs no instrumentation and the
    benchmark measures exactly the binary that ships."""

    def __init__(self, pid, interval=0.25):
        self.pid = pid
        self.interval = interval
        self.max_rss_kib = 0
        self.samples = 0
        self.gone = False
        self.clock_ticks = os.sysconf("SC_CLK_TCK")
        self._task = None

    def status(self):
        """VmRSS and VmHWM in KiB and the thread count, or None once the process is
        gone."""
        try:
            with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except (FileNotFoundError, ProcessLookupError):
            self.gone = True
            return None
        return {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM", "Threads")}

    def rss_kib(self):
        status = self.status()
        return None if status is None else status["VmRSS"]

    def threads(self):
        status = self.status()
        return None if status is None else status["Threads"]

    def peak_kib(self):
        status = self.status()
        return None if status is None else status["VmHWM"]

    def cpu_seconds(self):
        try:
            with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
                # Fields after the parenthesised name; utime and stime are 14th and 15th.
                fields = stat.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            self.gone = True
            return None
        return (int(fields[11]) + int(fields[12])) / self.clock_ticks

    def open_fds(self):
        try:
            return len(os.listdir(f"/proc/{self.pid}/fd"))
        except (FileNotFoundError, ProcessLookupError):
            self.gone = True
            return None

    def start(self):
        self._task = asyncio.create_task(self._sample())

    async def stop(self):
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _sample(self):
        while not self.gone:
            rss = self.rss_kib()
            if rss is not None:
                self.max_rss_kib = max(self.max_rss_kib, rss)
                self.samples += 1
            await asyncio.sleep(self.interval)


class CpuShare:
    """Splits the machine's busy CPU over a run into the server, the load clients (this
    process and the children it waited for) and everything else: on a 2-core machine
    the clients and any other process (a build...) compete with the server, and the
    figures mean little without knowing how much."""

    def __init__(self, watch):
        self.watch = watch
        self.clock_ticks = os.sysconf("SC_CLK_TCK")
        self.before = self._snapshot()

    def _snapshot(self):
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(field) for field in stat.readline().split()[1:]]
        idle = ticks[3] + ticks[4]  # idle and iowait
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "time": time.monotonic(),
            "busy": (sum(ticks[:8]) - idle) / self.clock_ticks,
            "server": self.watch.cpu_seconds() or 0.0,
            "clients": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
        }

    def line(self):
        after = self._snapshot()
        elapsed = after["time"] - self.before["time"]
        used = {key: (after[key] - self.before[key]) / elapsed
                for key in ("busy", "server", "clients")}
        other = max(0.0, used["busy"] - used["server"] - used["clients"])
        return (f"machine CPU busy {used['busy']:.2f} of {os.cpu_count()} cores: server "
                f"{used['server']:.2f}, load clients {used['clients']:.2f}, "
                f"other processes {other:.2f}")


KERNEL_COUNTERS = ("ListenOverflows", "ListenDrops", "TCPReqQFullDoCookies", "TCPSynRetrans",
                   "TCPAbortOnData", "TCPAbortOnClose")


def kernel_tcp_counters():
    """The kernel's TCP counters about full listen queues and aborts (TcpExt of
    /proc/net/netstat): they tell what happened to connections the server never saw.
    Machine-wide, but only this benchmark fills a listen queue here."""
    try:
        with open("/proc/net/netstat", encoding="ascii") as netstat:
            lines = netstat.read().splitlines()
    except OSError:
        return {}
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], map(int, values.split()[1:])))
            return {name: table[name] for name in KERNEL_COUNTERS if name in table}
    return {}


def mib(kib):
    return "-" if kib is None else f"{kib / 1024:.1f} MiB"


async def accept_queue(port):
    """Connections the kernel completed but the server has not accepted yet (Recv-Q of
    the listening socket) and the queue's capacity (Send-Q), via ss; None without it."""
    if shutil.which("ss") is None:
        return None
    process = await asyncio.create_subprocess_exec(
        "ss", "-Hltn", f"sport = :{port}",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate()
    for line in out.decode().splitlines():
        fields = line.split()
        if len(fields) >= 3:
            return int(fields[1]), int(fields[2])
    return None


# ----------------------------------------------------------------------------- HTTP


def http_request(method, path, port, headers=(), body=None):
    """The bytes of a request; without `body`, only the head (whatever it announces)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", *headers]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def read_response(reader):
    """Reads one response; returns (status, keep_alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
        delimited = True
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
        delimited = True
    else:
        await reader.read()
        delimited = False
    return status, delimited and headers.get("connection", "").lower() != "close"


class KeepAliveClient:
    """One connection reused request after request, reopened when the server closes
    it: a real client does this, and it keeps connection setup out of the latencies
    (except on reconnection)."""

    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def send(self, raw, timeout):
        try:
            async with asyncio.timeout(timeout):
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
                self.writer.write(raw)
                await self.writer.drain()
                status, keep_alive = await read_response(self.reader)
        except BaseException:
            self.close()
            raise
        if not keep_alive:
            self.close()
        return status

    def close(self):
        if self.writer is not None:
            self.writer.transport.abort()
        self.reader = self.writer = None


def failure_name(error):
    return "timeout" if isinstance(error, TimeoutError) else type(error).__name__


async def fresh_get(port, path, timeout):
    """GET on a new connection (as a load balancer's health check does): returns
    (status or failure name, latency in ms including connection setup)."""
    started = time.monotonic()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(http_request("GET", path, port, ["Connection: close"]))
            await writer.drain()
            status, _ = await read_response(reader)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
        return failure_name(error), (time.monotonic() - started) * 1000
    finally:
        if writer is not None:
            writer.transport.abort()
    return status, (time.monotonic() - started) * 1000


async def wait_ready(port, watch, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, _ = await fresh_get(port, "/healthz", 2)
        if status == 200:
            return
        if watch.gone:
            sys.exit(f"server (pid {watch.pid}) exited before answering /healthz")
        await asyncio.sleep(0.2)
    sys.exit(f"server on port {port} did not answer /healthz within {seconds} s")


# ------------------------------------------------------------- scenario 1: flood


ALNUM = string.ascii_letters + string.digits


def login_request(port, rng):
    """A sign-in as a distributed flood sends it: unknown account, random password,
    and a random client address in X-Forwarded-For (header text only: every packet goes
    to the loopback server), so that the per-address and per-account throttles do not
    stop it before the password hashing does its work."""
    address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    email = "".join(rng.choices(string.ascii_lowercase + string.digits, k=12)) + "@flood.example"
    body = json.dumps({
        "grant_type": "password",
        "email": email,
        "password": "".join(rng.choices(ALNUM, k=16)),
    }).encode()
    return http_request(
        "POST", "/api/v1/auth/token", port,
        ["Content-Type: application/json", f"X-Forwarded-For: {address}"], body,
    )


async def request_loop(port, deadline, make_request, statuses, latencies, timeout=30):
    """Sends requests one after the other until `deadline`, counting statuses (or
    failure names) and recording the latencies of the answered ones."""
    client = KeepAliveClient(port)
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            status = await client.send(make_request(), timeout)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
            statuses[failure_name(error)] += 1
            await asyncio.sleep(0.05)  # no hot loop against a server that refuses
            continue
        statuses[status] += 1
        latencies.append((time.monotonic() - started) * 1000)
    client.close()


async def flood(args):
    report = Report(args.summary)
    watch = ServerWatch(args.pid)
    await wait_ready(args.port, watch)
    partners = http_request("GET", "/api/v1/partners", args.port)

    # Baseline first: the same reads on the idle server say what the flood costs them.
    base_statuses, base_latencies = Counter(), []
    await request_loop(args.port, time.monotonic() + args.baseline, lambda: partners,
                       base_statuses, base_latencies)

    login_statuses, login_latencies = Counter(), []
    read_statuses, read_latencies = Counter(), []
    rng = random.Random()
    cpu = CpuShare(watch)
    watch.start()
    started = time.monotonic()
    deadline = started + args.seconds
    loops = [
        request_loop(args.port, deadline, lambda: login_request(args.port, rng),
                     login_statuses, login_latencies)
        for _ in range(args.clients)
    ]
    loops += [
        request_loop(args.port, deadline, lambda: partners, read_statuses, read_latencies)
        for _ in range(args.readers)
    ]
    progress = asyncio.create_task(flood_progress(watch, started, login_statuses, read_statuses))
    await asyncio.gather(*loops)
    elapsed = time.monotonic() - started
    progress.cancel()
    await watch.stop()
    cpu_line = cpu.line()
    peak = watch.peak_kib()

    logins = sum(login_statuses.values())
    line = report.line
    line()
    line("Scenario 1: login flood", summary=True)
    line(f"  {args.clients} clients POST /api/v1/auth/token (unknown email, random password, "
         f"random X-Forwarded-For 10.x.y.z; server has TRUSTED_PROXIES=127.0.0.1) "
         f"for {elapsed:.1f} s, with {args.readers} client(s) looping GET /api/v1/partners",
         summary=True)
    if watch.gone:
        line("  SERVER EXITED during the flood (see its log below)", summary=True)
    line(f"  logins: {logins} answered in {elapsed:.1f} s = {logins / elapsed:.1f}/s; "
         f"statuses: {counts(login_statuses)}", summary=True)
    line(f"  login latency: {latency_line(login_latencies)}", summary=True)
    line(f"  GET /partners idle baseline ({args.baseline:.0f} s): "
         f"{len(base_latencies)} requests ({counts(base_statuses)}); "
         f"{latency_line(base_latencies)}", summary=True)
    line(f"  GET /partners under flood: {sum(read_statuses.values())} requests "
         f"({counts(read_statuses)}); {latency_line(read_latencies)}", summary=True)
    line(f"  server RSS: peak VmHWM {mib(peak)}, max sampled VmRSS {mib(watch.max_rss_kib)} "
         f"({watch.samples} samples every {watch.interval * 1000:.0f} ms), "
         f"at end {mib(watch.rss_kib())}; {watch.threads()} threads at end", summary=True)
    line(f"  {cpu_line}", summary=True)
    peak_for_target = max(peak or 0, watch.max_rss_kib)
    p99 = percentile(sorted(read_latencies), 0.99)
    line(f"  target peak RSS < {TARGET_PEAK_RSS_MIB} MiB: {mib(peak_for_target)} -> "
         f"{verdict(not watch.gone and peak_for_target < TARGET_PEAK_RSS_MIB * 1024)}",
         summary=True)
    line(f"  target p99 GET /partners < {TARGET_PARTNERS_P99_MS} ms: {ms(p99)} -> "
         f"{verdict(p99 is not None and p99 < TARGET_PARTNERS_P99_MS and not watch.gone)}",
         summary=True)
    report.save()


async def flood_progress(watch, started, login_statuses, read_statuses):
    while True:
        await asyncio.sleep(10)
        print(f"  [{time.monotonic() - started:4.0f} s] logins {sum(login_statuses.values())} "
              f"({counts(login_statuses)}), partners reads {sum(read_statuses.values())}, "
              f"RSS {mib(watch.rss_kib())}", flush=True)


# ---------------------------------------------------------- scenario 2: slow bodies
#
# The slow clients live in child processes (`load.py slow-clients`), each holding a
# share of the connections: one process may not be allowed enough descriptors for all
# of them (this sandbox caps the open-files limit at 20,000), and the trickle of 20,000
# writes a second is then spread over the cores. The parent probes /healthz, watches
# the server and adds up what the children report (one JSON line a second each).


BODY_LENGTH = 1000


def slow_body():
    """A plausible JSON sign-in padded to exactly BODY_LENGTH bytes; it is never
    finished within the run, but what arrives looks like the real thing."""
    start = '{"grant_type":"password","email":"slow@flood.example","password":"'
    return (start + "x" * (BODY_LENGTH - len(start) - 2) + '"}').encode()


class SlowStats:
    def __init__(self):
        self.attempted = 0
        self.connected = 0
        self.connect_failed = Counter()
        self.open = set()  # protocols whose connection is still open
        self.answered = Counter()  # status -> count
        self.answer_after_s = []  # from connection to answer, for the answered ones
        self.closed_unanswered = 0
        self.reset = 0
        self.still_connecting = 0
        self.open_at_release = 0
        self.released = False  # from then on, closes are ours, not the server's

    def as_json(self, final=False):
        report = {
            "attempted": self.attempted,
            "connected": self.connected,
            "open": len(self.open),
            "connect_failed": dict(self.connect_failed),
            "answered": {str(status): n for status, n in self.answered.items()},
            "closed_unanswered": self.closed_unanswered,
            "reset": self.reset,
        }
        if final:
            report.update(final=True,
                          answer_after_s=[round(s, 3) for s in self.answer_after_s],
                          still_connecting=self.still_connecting,
                          open_at_release=self.open_at_release)
        return json.dumps(report)


class SlowBody(asyncio.Protocol):
    """One slow client: sends the whole request head at once, then the body one byte per
    tick of the trickle; records whether the server answered (408 expected) or closed."""

    def __init__(self, stats, head):
        self.stats = stats
        self.head = head
        self.transport = None
        self.sent = 0
        self.response = b""
        self.status = None
        self.connected_at = None

    def connection_made(self, transport):
        self.transport = transport
        self.connected_at = time.monotonic()
        self.stats.connected += 1
        self.stats.open.add(self)
        transport.write(self.head)

    def data_received(self, data):
        if self.status is None:
            self.response += data
            if b"\r\n" in self.response:
                try:
                    self.status = int(self.response.split(b"\r\n", 1)[0].split()[1])
                except (IndexError, ValueError):
                    self.status = "garbled"
                self.stats.answered[self.status] += 1
                self.stats.answer_after_s.append(time.monotonic() - self.connected_at)

    def connection_lost(self, error):
        self.stats.open.discard(self)
        if self.status is None and not self.stats.released:
            if error is None:
                self.stats.closed_unanswered += 1
            else:
                self.stats.reset += 1

    def trickle(self, body):
        if self.sent < len(body) and not self.transport.is_closing():
            self.transport.write(body[self.sent:self.sent + 1])
            self.sent += 1


async def open_slow(port, stats, head, count, rate):
    """Starts `count` connections at `rate` a second; each connect runs as its own task,
    so connections the server's accept queue holds back do not stall the others."""
    loop = asyncio.get_running_loop()
    pending = set()

    async def connect():
        try:
            await loop.create_connection(lambda: SlowBody(stats, head), HOST, port)
        except OSError as error:
            stats.connect_failed[type(error).__name__] += 1

    started = time.monotonic()
    for i in range(count):
        stats.attempted += 1
        task = asyncio.create_task(connect())
        pending.add(task)
        task.add_done_callback(pending.discard)
        # Pace by the clock, sleeping only when ahead: a sleep per connection would
        # open them far slower than asked.
        ahead = (i + 1) / rate - (time.monotonic() - started)
        if ahead > 0:
            await asyncio.sleep(ahead)
    return pending


async def trickle(stats, body):
    while True:
        await asyncio.sleep(1)
        for protocol in list(stats.open):
            protocol.trickle(body)


async def every_second(stats):
    while True:
        print(stats.as_json(), flush=True)
        await asyncio.sleep(1)


async def slow_clients(args):
    """Child process: holds `count` slow connections until `until` (CLOCK_MONOTONIC,
    shared by all processes of the machine), closes them, prints a final report."""
    stats = SlowStats()
    head = http_request("POST", "/api/v1/auth/token", args.port,
                        ["Content-Type: application/json", f"Content-Length: {BODY_LENGTH}"])
    reporting = asyncio.create_task(every_second(stats))
    ticking = asyncio.create_task(trickle(stats, slow_body()))
    pending = await open_slow(args.port, stats, head, args.count, args.rate)
    await asyncio.sleep(max(0.0, args.until - time.monotonic()))
    ticking.cancel()
    reporting.cancel()
    # Release: connects still waiting are abandoned, open connections closed.
    stats.still_connecting = len(pending)
    for task in list(pending):
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    stats.open_at_release = len(stats.open)
    stats.released = True
    for protocol in list(stats.open):
        protocol.transport.close()
    await asyncio.sleep(0.5)  # let the closes go out before the process exits
    print(stats.as_json(final=True), flush=True)


class Child:
    """A slow-clients process and the last report it printed."""

    def __init__(self, process):
        self.process = process
        self.last = {}

    async def follow(self):
        async for line in self.process.stdout:
            try:
                self.last = json.loads(line)
            except ValueError:
                print(f"  slow-clients: {line.decode().rstrip()}", flush=True)
        await self.process.wait()


def add_up(children):
    total = {"attempted": 0, "connected": 0, "open": 0, "closed_unanswered": 0, "reset": 0,
             "still_connecting": 0, "open_at_release": 0, "answer_after_s": [],
             "connect_failed": Counter(), "answered": Counter()}
    for child in children:
        for key, value in child.last.items():
            if isinstance(value, dict):
                total[key].update(value)
            elif key != "final":
                total[key] += value
    return total


async def probe_loop(port, deadline, interval, timeout, results):
    """Launches a /healthz probe every `interval` s without waiting for the previous
    one, so a stalled server shows as probes piling up, not as fewer probes."""
    probes = []
    while time.monotonic() < deadline:
        probes.append(asyncio.create_task(fresh_get(port, "/healthz", timeout)))
        await asyncio.sleep(interval)
    results.extend(await asyncio.gather(*probes))


def probe_report(line, label, results):
    statuses = Counter(status for status, _ in results)
    answered = sorted(latency for status, latency in results if status == 200)
    within_1s = sum(1 for latency in answered if latency < 1000)
    line(f"  /healthz probes {label}: {len(answered)}/{len(results)} answered 200 "
         f"({within_1s} within 1 s; outcomes {counts(statuses)}); latency of the 200s: "
         f"p50 {ms(percentile(answered, 0.5))}, p99 {ms(percentile(answered, 0.99))}, "
         f"max {ms(answered[-1] if answered else None)}", summary=True)


def answer_time(ordered, q):
    value = percentile(ordered, q)
    return "-" if value is None else f"{value:.1f} s"


async def slow(args):
    report = Report(args.summary)
    line = report.line
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    # Each child keeps a margin of descriptors for the interpreter and the event loop.
    per_child = min(args.per_process, soft - 1000)
    if per_child < 100:
        sys.exit(f"open files limit {soft} is too low for the slow clients")
    shares = [min(per_child, args.connections - start)
              for start in range(0, args.connections, per_child)]
    watch = ServerWatch(args.pid)
    await wait_ready(args.port, watch)

    fds_before = watch.open_fds()
    rss_before = watch.rss_kib()
    kernel_before = kernel_tcp_counters()
    cpu = CpuShare(watch)
    watch.start()
    started = time.monotonic()
    hold_until = started + args.hold
    children = [
        Child(await asyncio.create_subprocess_exec(
            sys.executable, os.path.abspath(__file__), "slow-clients",
            "--port", str(args.port), "--count", str(share),
            "--rate", str(args.rate * share / args.connections), "--until", str(hold_until),
            # The final report lists every answer time: longer than the default line limit.
            stdout=asyncio.subprocess.PIPE, limit=64 * MIB))
        for share in shares
    ]
    following = [asyncio.create_task(child.follow()) for child in children]
    during, after = [], []
    probing = asyncio.create_task(
        probe_loop(args.port, hold_until, args.probe_interval, args.probe_timeout, during))
    timeline = asyncio.create_task(slow_timeline(args.port, watch, children, started, fds_before))
    await asyncio.gather(*following)
    cpu_line = cpu.line()  # the hold only: the children have exited, so they count
    kernel = kernel_tcp_counters()
    kernel_line = ", ".join(f"{name} +{kernel[name] - kernel_before.get(name, 0)}"
                            for name in kernel) or "unavailable"
    released = time.monotonic()
    await probe_loop(args.port, released + args.after, args.probe_interval,
                     args.probe_timeout, after)
    await probing
    timeline.cancel()
    await watch.stop()
    rss_end = watch.rss_kib()
    fds_end = watch.open_fds()
    peak = watch.peak_kib()

    total = add_up(children)
    answer_times = sorted(total["answer_after_s"])
    line()
    line("Scenario 2: slow-body connections", summary=True)
    line(f"  {args.connections} connections ({len(children)} client process(es)) started at "
         f"{args.rate:.0f}/s, each sending the head of POST /api/v1/auth/token "
         f"(Content-Length: {BODY_LENGTH}) then 1 body byte/s; held {args.hold:.0f} s from "
         f"the first, then closed; /healthz probed on a fresh connection every "
         f"{args.probe_interval * 1000:.0f} ms (timeout {args.probe_timeout:.0f} s)",
         summary=True)
    if watch.gone:
        line("  SERVER EXITED during the run (see its log below)", summary=True)
    if any(child.process.returncode != 0 for child in children):
        line("  a slow-clients process failed: "
             f"exit codes {[child.process.returncode for child in children]}", summary=True)
    line(f"  slow connections: {total['attempted']} attempted, {total['connected']} connected, "
         f"{total['still_connecting']} still connecting at release, "
         f"connect failures: {counts(total['connect_failed'])}", summary=True)
    line(f"  server answers: {counts(total['answered'])} "
         f"(connection to answer: p50 {answer_time(answer_times, 0.5)}, "
         f"max {answer_time(answer_times, 1.0)}); closed by the server without answer: "
         f"{total['closed_unanswered']}; reset: {total['reset']}; still open at release "
         f"(then closed by the client): "
         f"{total['open_at_release']}", summary=True)
    probe_report(line, f"while held ({args.hold:.0f} s)", during)
    probe_report(line, f"after release ({args.after:.0f} s)", after)
    line(f"  server RSS: before {mib(rss_before)}, peak VmHWM {mib(peak)}, max sampled "
         f"{mib(watch.max_rss_kib)}, {args.after:.0f} s after release {mib(rss_end)}",
         summary=True)
    line(f"  server open descriptors: before {fds_before}, "
         f"{args.after:.0f} s after release {fds_end}", summary=True)
    line(f"  while held: {cpu_line}", summary=True)
    line(f"  kernel TCP counters while held: {kernel_line}", summary=True)
    report.save()


async def slow_timeline(port, watch, children, started, fds_before):
    """Every 5 s: what the clients hold, what the server holds (descriptors), what
    waits in the kernel's accept queue, and memory: the story behind the totals."""
    while True:
        await asyncio.sleep(5)
        total = add_up(children)
        queue = await accept_queue(port)
        fds = watch.open_fds()
        print(f"  [{time.monotonic() - started:4.0f} s] started {total['attempted']}, "
              f"connected {total['connected']}, open {total['open']}, "
              f"answered {counts(total['answered'])}, "
              f"closed unanswered {total['closed_unanswered']}, reset {total['reset']}; "
              f"server holds ~{'-' if fds is None else fds - fds_before} connections, "
              f"accept queue {'-' if queue is None else f'{queue[0]}/{queue[1]}'}, "
              f"RSS {mib(watch.rss_kib())}", flush=True)


# ----------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="scenario", required=True)
    for name in ("flood", "slow"):
        command = commands.add_parser(name)
        command.add_argument("--port", type=int, required=True)
        command.add_argument("--pid", type=int, required=True, help="the server's process id")
        command.add_argument("--summary", help="file the key lines are appended to")
    flood_args = commands.choices["flood"]
    flood_args.add_argument("--seconds", type=float, default=60)
    flood_args.add_argument("--clients", type=int, default=64)
    flood_args.add_argument("--readers", type=int, default=1,
                            help="clients looping GET /partners, one request at a time each")
    flood_args.add_argument("--baseline", type=float, default=5,
                            help="seconds of GET /partners on the idle server first")
    slow_args = commands.choices["slow"]
    slow_args.add_argument("--connections", type=int, default=20000)
    slow_args.add_argument("--per-process", type=int, default=10000,
                           help="most slow connections one client process holds")
    slow_args.add_argument("--rate", type=float, default=2000,
                           help="connections started a second, all processes together")
    slow_args.add_argument("--hold", type=float, default=60,
                           help="seconds from the first connection to the release of all")
    slow_args.add_argument("--after", type=float, default=20,
                           help="seconds of probing after the release")
    slow_args.add_argument("--probe-interval", type=float, default=0.5)
    slow_args.add_argument("--probe-timeout", type=float, default=30)
    # Internal: one slow-clients process, started by `slow`.
    clients_args = commands.add_parser("slow-clients")
    clients_args.add_argument("--port", type=int, required=True)
    clients_args.add_argument("--count", type=int, required=True)
    clients_args.add_argument("--rate", type=float, required=True)
    clients_args.add_argument("--until", type=float, required=True,
                              help="release time, on the CLOCK_MONOTONIC of time.monotonic")
    args = parser.parse_args()
    scenario = {"flood": flood, "slow": slow, "slow-clients": slow_clients}[args.scenario]
    asyncio.run(scenario(args))


if __name__ == "__main__":
    main()
