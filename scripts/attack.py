#!/usr/bin/env python3
"""The attack driver of scripts/attack: a bounded attack on a reegraph server on 127.0.0.1.

Python 3.11 standard library only. Phases:
  1. baseline: the plain client alone for --baseline seconds;
  2. attack: for --duration seconds, attack classes from --connections connections (threads in
     --procs processes), slowloris and idle connections (one process), and the plain client
     (its own process, so the attackers' interpreter does not slow it down);
  3. report: per-class requests and statuses, plain-client latency baseline vs attack, the
     server's RSS (sampled, VmHWM at the end), whether it is still up, /metrics counters.
Exits 1 when the server died or the plain client saw any failure, 2 on a usage error.

Every socket goes to 127.0.0.1; every loop ends at a deadline; every count is bounded.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import math
import multiprocessing as mp
import os
import random
import resource
import selectors
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
PLAIN_QUERY = '{ entity(id: "official:cao-yiding") { name } }'
PLAIN_INTERVAL_S = 0.05
REQUEST_TIMEOUT_S = 15.0
PLAIN_TIMEOUT_S = 5.0
MAX_DOCUMENT_BYTES = 32 * 1024
ALL_KINDS = (
    "[ORGANIZATION, OFFICIAL, EVENT, DIRECTIVE, STANDARD, STANDARD_BATCH, MINERAL, "
    "APPLICATION, SUPPLY_CHAIN_STAGE, LOCATION, SOURCE]"
)
HUBS = ("location:china", "organization:sac-tc-229", "organization:miit", "organization:samr")
TARGETS = ("mineral:neodymium", "application:f-35", "mineral:dysprosium", "official:cao-yiding")


# ------------------------------------------------------------------------------------------------
# The attack documents.


def fragment_bomb(levels: int = 30) -> str:
    """Fragments that spread the next one twice: a few KB of text, 2^levels fields expanded."""
    parts = ["query { stats { ...F0 } }"]
    for i in range(levels):
        parts.append(f"fragment F{i} on GraphStats {{ ...F{i + 1} ...F{i + 1} }}")
    parts.append(f"fragment F{levels} on GraphStats {{ entities }}")
    return "\n".join(parts)


def deep_nesting(levels: int = 10_000) -> str:
    return "{a" * levels + "}" * levels


def alias_fanout(aliases: int = 500) -> str:
    return "{ " + " ".join(f"a{i}: stats {{ entities }}" for i in range(aliases)) + " }"


def size_limit_fields(rng: random.Random) -> str:
    """A document of exactly MAX_DOCUMENT_BYTES, full of fields (one field repeated, which
    async-graphql's overlapping-fields rule compares pairwise), under the token limit; the
    trailing comment is random, so the response cache never answers it."""
    head = '{ entity(id: "official:cao-yiding") { '
    tail = "} }\n#"
    doc = head + "id " * 4_980 + tail
    pad = MAX_DOCUMENT_BYTES - len(doc.encode())
    return doc + "".join(rng.choice("0123456789abcdef") for _ in range(pad))


def neighborhood(rng: random.Random) -> str:
    hub = rng.choice(HUBS)
    return (
        f'{{ neighborhood(id: "{hub}", depth: 4, limit: 1000) {{ truncated '
        "entities { id name kind } relations { type from { id } to { id } } } }"
    )


def paths(rng: random.Random) -> str:
    return (
        f'{{ paths(from: "{rng.choice(HUBS)}", to: "{rng.choice(TARGETS)}", maxHops: 6, '
        "first: 100) { length explanation hops { reading relation { type citations { quote } } } } }"
    )


def related(rng: random.Random) -> str:
    return (
        f'{{ related(to: "{rng.choice(HUBS)}", kinds: {ALL_KINDS}, maxHops: 6, first: 100, '
        "maxIntermediateDegree: 2147483647) { distance specificityCost entity { id } "
        "path { explanation } } }"
    )


def alias_traversals(rng: random.Random) -> str:
    """100 aliases (the limit) of the largest neighborhood: the most traversal work one
    request may ask for under the document limits."""
    hub = rng.choice(HUBS)
    return (
        "{ "
        + " ".join(
            f'a{i}: neighborhood(id: "{hub}", depth: 4, limit: 1000) {{ entities {{ id }} }}'
            for i in range(100)
        )
        + " }"
    )


# Each HTTP attack class: a function of an RNG returning (path, body bytes, headers). A nonce
# comment makes every executed document distinct, so the response cache does not absorb them.
def gql(doc: str, nonce: bool = True) -> bytes:
    if nonce:
        doc = f"{doc}\n#{random.getrandbits(64):x}"
    return json.dumps({"query": doc}).encode()


_BOMB = fragment_bomb()
_DEEP = deep_nesting()
_FANOUT = alias_fanout()

HTTP_CLASSES = {
    "fragment_bomb_30": lambda rng: gql(_BOMB, nonce=False),
    "deep_nesting_10k": lambda rng: gql(_DEEP, nonce=False),
    "alias_fanout_500": lambda rng: gql(_FANOUT, nonce=False),
    "size_limit_doc": lambda rng: gql(size_limit_fields(rng), nonce=False),
    "neighborhood_d4_l1000": lambda rng: gql(neighborhood(rng)),
    "paths_h6_f100": lambda rng: gql(paths(rng)),
    "related_h6_f100": lambda rng: gql(related(rng)),
    "alias_100_traversals": lambda rng: gql(alias_traversals(rng)),
    "oversized_body_1mb": None,  # sent by `oversized`, over a raw socket
}


# ------------------------------------------------------------------------------------------------
# Small helpers.


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def read_status(sock: socket.socket, deadline: float) -> int | None:
    """Reads until the status line; the status code, or None if the peer closed first."""
    data = b""
    while b"\r\n" not in data:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(4096)
        if not chunk:
            return None
        data += chunk
    parts = data.split(b"\r\n", 1)[0].split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB ({} if it is gone)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(rest.split()[0])
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (nan if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return math.nan


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return False


def http_get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------------
# The HTTP attackers: threads, each on one keep-alive connection, one class each.


def http_attacker(port: int, name: str, deadline: float, out: dict, lock: threading.Lock) -> None:
    rng = random.Random()
    make = HTTP_CLASSES[name]
    statuses: collections.Counter = collections.Counter()
    errors: collections.Counter = collections.Counter()
    latencies: list[float] = []
    conn = None
    while time.monotonic() < deadline:
        if name == "oversized_body_1mb":
            oversized(port, deadline, statuses, errors, latencies)
            continue
        body = make(rng)
        try:
            if conn is None:
                conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
            started = time.monotonic()
            conn.request("POST", "/graphql", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            latencies.append((time.monotonic() - started) * 1000)
            statuses[response.status] += 1
            if response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            errors[type(e).__name__] += 1
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.01)
    if conn is not None:
        conn.close()
    with lock:
        entry = out.setdefault(name, {"statuses": collections.Counter(), "errors": collections.Counter(), "latencies": []})
        entry["statuses"].update(statuses)
        entry["errors"].update(errors)
        entry["latencies"].extend(latencies)


def oversized(port, deadline, statuses, errors, latencies, size: int = 1 << 20) -> None:
    """A 1 MiB body with its Content-Length, then the status line the server answers."""
    body = b'{"query": "' + b" " * (size - 14) + b'"}\n'
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    started = time.monotonic()
    try:
        with socket.create_connection((HOST, port), timeout=REQUEST_TIMEOUT_S) as sock:
            sock.sendall(head)
            try:
                sock.sendall(body)
            except OSError:
                pass  # the server may answer and close before reading it all
            status = read_status(sock, min(deadline + 5, time.monotonic() + REQUEST_TIMEOUT_S))
        latencies.append((time.monotonic() - started) * 1000)
        if status is None:
            errors["closed_without_status"] += 1
        else:
            statuses[status] += 1
    except OSError as e:
        errors[type(e).__name__] += 1
        time.sleep(0.01)


def attackers_process(port: int, names: list[str], deadline: float, queue: mp.Queue) -> None:
    out: dict = {}
    lock = threading.Lock()
    threads = [
        threading.Thread(target=http_attacker, args=(port, name, deadline, out, lock), daemon=True)
        for name in names
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT_S + 5)
    with lock:
        queue.put(("http", out))


# ------------------------------------------------------------------------------------------------
# Slowloris and idle connections: one process, one selector.


class Held:
    __slots__ = ("kind", "sock", "opened", "sent", "answered")

    def __init__(self, kind: str, sock: socket.socket):
        self.kind = kind
        self.sock = sock
        self.opened = time.monotonic()
        self.sent = 0
        self.answered = False


SLOW_HEAD = (
    b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"X-Slow: " + b"a" * 4096
)


def connections_process(port: int, slowloris: int, idle: int, deadline: float, queue: mp.Queue) -> None:
    """Holds `slowloris` connections sending their headers a byte a second and `idle`
    connections (half fresh, half idle after one keep-alive request); reopens whatever the
    server closes, and records how long each lasted."""
    sel = selectors.DefaultSelector()
    stats = {
        kind: {"opened": 0, "refused": 0, "closed_after": [], "replies": collections.Counter(), "open_at_end": 0, "ages_at_end": []}
        for kind in ("slowloris", "idle_fresh", "idle_keepalive")
    }

    def open_one(kind: str) -> None:
        try:
            sock = socket.create_connection((HOST, port), timeout=2)
        except OSError:
            stats[kind]["refused"] += 1
            return
        sock.setblocking(False)
        held = Held(kind, sock)
        stats[kind]["opened"] += 1
        if kind == "idle_keepalive":
            try:
                sock.send(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
            except OSError:
                pass
        sel.register(sock, selectors.EVENT_READ, held)

    def close_one(held: Held, reply: bytes) -> None:
        stats[held.kind]["closed_after"].append(time.monotonic() - held.opened)
        if reply:
            line = reply.split(b"\r\n", 1)[0].decode("latin-1")
            stats[held.kind]["replies"][line[:40]] += 1
        sel.unregister(held.sock)
        held.sock.close()

    for _ in range(slowloris):
        open_one("slowloris")
    for i in range(idle):
        open_one("idle_fresh" if i % 2 == 0 else "idle_keepalive")
    next_drip = time.monotonic()
    while time.monotonic() < deadline:
        timeout = max(0.0, min(next_drip, deadline) - time.monotonic())
        for key, _ in sel.select(timeout=timeout):
            held: Held = key.data
            try:
                data = held.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data and held.kind == "idle_keepalive" and not held.answered:
                held.answered = True  # the response to its one request; now idle
                continue
            if data and held.kind != "slowloris":
                continue
            close_one(held, data)
            open_one(held.kind)  # keep the pressure on
        if time.monotonic() >= next_drip:
            next_drip += 1.0
            for key in list(sel.get_map().values()):
                held = key.data
                if held.kind != "slowloris":
                    continue
                try:
                    held.sock.send(SLOW_HEAD[held.sent % len(SLOW_HEAD) : held.sent % len(SLOW_HEAD) + 1])
                    held.sent += 1
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    close_one(held, b"")
                    open_one("slowloris")
    now = time.monotonic()
    for key in list(sel.get_map().values()):
        held = key.data
        stats[held.kind]["open_at_end"] += 1
        stats[held.kind]["ages_at_end"].append(now - held.opened)
        held.sock.close()
    queue.put(("connections", stats))


# ------------------------------------------------------------------------------------------------
# The plain client: its own process, a fresh connection per request.


def plain_process(port: int, phase: str, deadline: float, queue: mp.Queue) -> None:
    body = json.dumps({"query": PLAIN_QUERY}).encode()
    results = {"healthz": {"lat": [], "fail": collections.Counter()}, "query": {"lat": [], "fail": collections.Counter()}}

    def one(kind: str) -> None:
        started = time.monotonic()
        conn = http.client.HTTPConnection(HOST, port, timeout=PLAIN_TIMEOUT_S)
        try:
            if kind == "healthz":
                conn.request("GET", "/healthz")
            else:
                conn.request("POST", "/graphql", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            elapsed = (time.monotonic() - started) * 1000
            ok = response.status == 200
            if ok and kind == "query":
                ok = json.loads(payload).get("data", {}).get("entity", {}).get("name") is not None
            if ok:
                results[kind]["lat"].append(elapsed)
            else:
                results[kind]["fail"][f"status {response.status}"] += 1
        except (OSError, http.client.HTTPException, ValueError, AttributeError) as e:
            results[kind]["fail"][type(e).__name__] += 1
        finally:
            conn.close()

    next_tick = time.monotonic()
    while time.monotonic() < deadline:
        one("healthz")
        one("query")
        next_tick += PLAIN_INTERVAL_S
        time.sleep(max(0.0, next_tick - time.monotonic()))
        next_tick = max(next_tick, time.monotonic() - PLAIN_INTERVAL_S)
    queue.put(("plain", phase, results))


# ------------------------------------------------------------------------------------------------
# The run.


def collect(queue: mp.Queue, procs: list[mp.Process], deadline: float) -> list:
    items = []
    pending = len(procs)
    while pending:
        try:
            items.append(queue.get(timeout=max(1.0, deadline - time.monotonic())))
            pending -= 1
        except Exception:  # queue.Empty: a process hung past every bound
            break
    for p in procs:
        p.join(timeout=2)
        if p.is_alive():
            p.terminate()
    return items


def sample_rss(pid: int, until: float, samples: list[int]) -> None:
    while time.monotonic() < until:
        rss = proc_status(pid).get("VmRSS")
        if rss is not None:
            samples.append(rss)
        time.sleep(0.25)


def parse_metrics(text: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = collections.defaultdict(dict)
    for line in text.splitlines():
        if line.startswith("#") or "{" not in line:
            continue
        name, _, rest = line.partition("{")
        labels, _, value = rest.rpartition("} ")
        if name in ("reegraph_rejections_total", "reegraph_requests_total"):
            label = labels.split("=", 1)[1].strip('"')
            out[name][label] = float(value)
    return out


def fmt_ms(v: float) -> str:
    return "-" if math.isnan(v) else (f"{v:.1f}" if v < 100 else f"{v:.0f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True, help="the server's pid (for RSS)")
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--baseline", type=float, default=5.0)
    ap.add_argument("--connections", type=int, default=27, help="HTTP attack connections")
    ap.add_argument("--procs", type=int, default=2, help="processes the connections run in")
    ap.add_argument("--slowloris", type=int, default=64)
    ap.add_argument("--idle", type=int, default=256)
    ap.add_argument("--read-timeout-ms", type=int, default=None, help="the server's, for the report")
    ap.add_argument("--classes", default="all", help="comma-separated HTTP attack classes, or all")
    args = ap.parse_args()
    if not (0 < args.duration <= 600 and 0 <= args.baseline <= 120):
        print("attack: --duration must be in (0, 600] s and --baseline in [0, 120] s", file=sys.stderr)
        return 2
    if not (1 <= args.connections <= 256 and 1 <= args.procs <= 16 and 0 <= args.slowloris <= 2000 and 0 <= args.idle <= 4000):
        print("attack: --connections 1..256, --procs 1..16, --slowloris 0..2000, --idle 0..4000", file=sys.stderr)
        return 2
    names = list(HTTP_CLASSES) if args.classes == "all" else args.classes.split(",")
    unknown = [n for n in names if n not in HTTP_CLASSES]
    if unknown or not names:
        print(f"attack: unknown classes {unknown}; known: {', '.join(HTTP_CLASSES)}", file=sys.stderr)
        return 2
    port, pid = args.port, args.pid
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()

    # Phase 1: the quiet baseline.
    rss_before = proc_status(pid).get("VmRSS", 0)
    plain: dict[str, dict] = {}
    if args.baseline > 0:
        deadline = time.monotonic() + args.baseline
        p = ctx.Process(target=plain_process, args=(port, "baseline", deadline, queue))
        p.start()
        for item in collect(queue, [p], deadline + PLAIN_TIMEOUT_S * 2 + 5):
            plain[item[1]] = item[2]

    # Phase 2: the attack, with the plain client alongside.
    server_cpu_before = cpu_seconds(pid)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    deadline = started + args.duration
    assignment = [names[i % len(names)] for i in range(args.connections)]
    procs = [
        ctx.Process(target=plain_process, args=(port, "attack", deadline, queue)),
        ctx.Process(target=connections_process, args=(port, args.slowloris, args.idle, deadline, queue)),
    ]
    for i in range(args.procs):
        share = assignment[i :: args.procs]
        if share:
            procs.append(ctx.Process(target=attackers_process, args=(port, share, deadline, queue)))
    for p in procs:
        p.start()
    rss_samples: list[int] = []
    sampler = threading.Thread(target=sample_rss, args=(pid, deadline, rss_samples), daemon=True)
    sampler.start()
    items = collect(queue, procs, deadline + REQUEST_TIMEOUT_S + 10)
    elapsed = time.monotonic() - started
    server_cpu = cpu_seconds(pid) - server_cpu_before
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    driver_cpu = (children.ru_utime - children_before.ru_utime) + (children.ru_stime - children_before.ru_stime)
    sampler.join(timeout=1)
    http_results: dict = {}
    conn_results: dict = {}
    for item in items:
        if item[0] == "plain":
            plain[item[1]] = item[2]
        elif item[0] == "http":
            for name, entry in item[1].items():
                agg = http_results.setdefault(name, {"statuses": collections.Counter(), "errors": collections.Counter(), "latencies": []})
                agg["statuses"].update(entry["statuses"])
                agg["errors"].update(entry["errors"])
                agg["latencies"].extend(entry["latencies"])
        elif item[0] == "connections":
            conn_results = item[1]

    # Phase 3: the server afterwards.
    time.sleep(0.5)
    status = proc_status(pid)
    is_alive = alive(pid)
    health = None
    metrics_text = ""
    if is_alive:
        try:
            health = http_get(port, "/healthz")[0]
            code, body = http_get(port, "/metrics")
            if code == 200:
                metrics_text = body.decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as e:
            health = f"error: {type(e).__name__}"
    metrics = parse_metrics(metrics_text)

    # The report.
    cpus = os.cpu_count()
    print()
    print(
        f"reegraph attack on {HOST}:{port}: baseline {args.baseline:g} s, attack {args.duration:g} s "
        f"(ran {elapsed:.1f} s), {args.connections} HTTP connections in {args.procs} processes, "
        f"{args.slowloris} slowloris, {args.idle} idle; server read timeout "
        f"{args.read_timeout_ms if args.read_timeout_ms is not None else 'default'} ms; {cpus} CPUs"
    )
    print()
    print(f"{'attack class':<24}{'conns':>6}{'sent':>8}{'req/s':>8}{'p50 ms':>9}{'max ms':>9}  statuses / errors")
    for name in names:
        entry = http_results.get(name, {"statuses": {}, "errors": {}, "latencies": []})
        sent = sum(entry["statuses"].values()) + sum(entry["errors"].values())
        outcome = " ".join(f"{k}:{v}" for k, v in sorted(entry["statuses"].items()))
        if entry["errors"]:
            outcome += "  " + " ".join(f"{k}:{v}" for k, v in sorted(entry["errors"].items()))
        lat = entry["latencies"]
        print(
            f"{name:<24}{assignment.count(name):>6}{sent:>8}{sent / elapsed:>8.0f}"
            f"{fmt_ms(percentile(lat, 50)):>9}{fmt_ms(max(lat) if lat else math.nan):>9}  {outcome or '-'}"
        )
    print()
    print(f"{'held connections':<18}{'opened':>8}{'refused':>9}{'closed':>8}{'closed after s (min/p50/max)':>32}{'open@end':>10}  replies")
    for kind in ("slowloris", "idle_fresh", "idle_keepalive"):
        s = conn_results.get(kind)
        if not s:
            continue
        closed = s["closed_after"]
        spread = (
            f"{min(closed):.1f} / {percentile(closed, 50):.1f} / {max(closed):.1f}" if closed else "-"
        )
        replies = " ".join(f"{k!r}:{v}" for k, v in s["replies"].items()) or "none (closed silently)"
        print(f"{kind:<18}{s['opened']:>8}{s['refused']:>9}{len(closed):>8}{spread:>32}{s['open_at_end']:>10}  {replies}")
    print()
    print(f"{'plain client':<16}{'phase':<10}{'ok':>6}{'fail':>6}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}  (ms)")
    failures = 0
    for kind, label in (("healthz", "GET /healthz"), ("query", "POST query")):
        for phase in ("baseline", "attack"):
            r = plain.get(phase, {}).get(kind)
            if r is None:
                print(f"{label:<16}{phase:<10}  (no result)")
                if phase == "attack":
                    failures += 1
                continue
            lat = r["lat"]
            nfail = sum(r["fail"].values())
            failures += nfail
            detail = ("  " + " ".join(f"{k}:{v}" for k, v in r["fail"].items())) if nfail else ""
            print(
                f"{label:<16}{phase:<10}{len(lat):>6}{nfail:>6}{fmt_ms(percentile(lat, 50)):>8}"
                f"{fmt_ms(percentile(lat, 95)):>8}{fmt_ms(percentile(lat, 99)):>8}"
                f"{fmt_ms(max(lat) if lat else math.nan):>8}{detail}"
            )
    print()
    mib = lambda kib: f"{kib / 1024:.1f} MiB" if kib else "?"  # noqa: E731
    print(
        f"server RSS: before attack {mib(rss_before)}, max sampled {mib(max(rss_samples, default=0))}, "
        f"peak VmHWM {mib(status.get('VmHWM', 0))}, at end {mib(status.get('VmRSS', 0))}"
    )
    print(
        f"CPU during the attack: server {server_cpu:.1f} s ({server_cpu / elapsed:.2f} cores), "
        f"this driver's processes {driver_cpu:.1f} s ({driver_cpu / elapsed:.2f} cores); "
        f"load average at the end {os.getloadavg()[0]:.1f}"
    )
    print(f"server still up: {'yes' if is_alive and health == 200 else 'NO'} (process {'alive' if is_alive else 'gone'}, /healthz {health})")
    if metrics:
        rej = metrics.get("reegraph_rejections_total", {})
        req = metrics.get("reegraph_requests_total", {})
        print("/metrics rejections: " + ", ".join(f"{k} {v:.0f}" for k, v in rej.items()))
        print("/metrics requests:   " + ", ".join(f"{k} {v:.0f}" for k, v in req.items()))
    else:
        print("/metrics: unavailable")
    reasons = []
    if not (is_alive and health == 200):
        reasons.append("the server is down")
    if failures:
        reasons.append(f"the plain client saw {failures} failures")
    print()
    print("verdict: " + ("PASS" if not reasons else "FAIL: " + "; ".join(reasons)))
    return 0 if not reasons else 1


if __name__ == "__main__":
    sys.exit(main())
