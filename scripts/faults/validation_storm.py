#!/usr/bin/env python3
"""100 connections streaming maximal legal documents (32 KiB, a field repeated to the token
limit, a random comment so no cache answers them) while a probe measures /healthz and a plain
query: /healthz p99 < 100 ms, plain-query p99 < 250 ms."""
import os
import multiprocessing as mp
import random
import sys
import threading
import time

import _server as s

sys.path.insert(0, os.path.join(s.REPO, "scripts"))
import attack  # noqa: E402  (scripts/attack.py: the maximal legal document)

NAME = "validation_storm"


def storm_process(port: int, streams: int, stop: float, queue) -> None:
    storm: dict = {}
    lock = threading.Lock()
    base = attack.size_limit_fields(random.Random(0))
    pad = 16

    def stream(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            # The maximal document with a fresh random tail, so no cache answers it.
            doc = base[:-pad] + f"{rng.getrandbits(64):016x}"
            body = attack.gql(doc, nonce=False)
            raw = (b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            status = s.exchange(port, raw, timeout=30)[0]
            with lock:
                storm[status] = storm.get(status, 0) + 1

    threads = [threading.Thread(target=stream, args=(i,)) for i in range(streams)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    queue.put(storm)


def run() -> int:
    a = s.args(__doc__)
    duration = 8.0 if a.quick else 30.0
    streams = 100
    s.raise_nofile(4096)
    with s.Server(a.bin) as server:
        stop = time.monotonic() + duration
        queue: mp.Queue = mp.Queue()
        # The storm runs in its own process, so its Python work never delays the probe.
        storm_proc = mp.Process(target=storm_process, args=(server.port, streams, stop, queue))
        storm_proc.start()
        health: list = []
        plain: list = []
        probe_failures: list = []
        n = 0
        time.sleep(0.5)
        while time.monotonic() < stop:
            st, _, t = s.request(server.port, "GET", "/healthz", timeout=10)
            (health if st == 200 else probe_failures).append(t if st == 200 else ("healthz", st))
            n += 1
            # A fresh alias each time, so the response cache never answers it.
            st, _, t = s.exchange(server.port, s.post_bytes(f"{{ n{n}: stats {{ entities }} }}"), timeout=10)
            (plain if st == 200 else probe_failures).append(t if st == 200 else ("plain", st))
            time.sleep(0.05)
        storm_proc.join(timeout=60)
        if storm_proc.is_alive():
            storm_proc.kill()
        storm = queue.get(timeout=10) if not queue.empty() else {}
    h99, p99 = s.percentile(health, 99), s.percentile(plain, 99)
    print(f"{streams} streams for {duration:.0f} s: storm statuses {storm}")
    print(f"/healthz: {len(health)} ok, p50 {s.percentile(health, 50)*1000:.1f} ms, p99 {h99*1000:.1f} ms")
    print(f"plain query: {len(plain)} ok, p50 {s.percentile(plain, 50)*1000:.1f} ms, p99 {p99*1000:.1f} ms")
    print(f"probe failures: {probe_failures[:10]} ({len(probe_failures)})")
    failures = []
    if probe_failures:
        failures.append(f"{len(probe_failures)} probes failed")
    if not health or h99 >= 0.100:
        failures.append(f"/healthz p99 {h99*1000:.1f} ms >= 100 ms")
    if not plain or p99 >= 0.250:
        failures.append(f"plain-query p99 {p99*1000:.1f} ms >= 250 ms")
    return s.finish(NAME, failures)


if __name__ == "__main__":
    s.main_guard(NAME, run)
