#!/usr/bin/env python3
"""Concurrency cap 4, 300 simultaneous heavy traversals: the requests beyond the cap are shed
with 503 + Retry-After, and no request runs over its deadline (--request-timeout-ms)."""
import threading
import time

import _server as s

NAME = "concurrency_cap"
DEADLINE_MS = 2000


def run() -> int:
    a = s.args(__doc__)
    total = 300
    s.raise_nofile(4096)
    with s.Server(a.bin, "--max-concurrent-requests", "4", "--request-timeout-ms", str(DEADLINE_MS),
                  "--response-cache-bytes", "0") as server:
        results: list = [None] * total
        barrier = threading.Barrier(total)

        def one(i: int) -> None:
            barrier.wait(timeout=30)
            results[i] = s.exchange(server.port, s.post_bytes(s.HEAVY), timeout=30)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(total)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    statuses: dict = {}
    for r in results:
        key = r[0] if r else "none"
        statuses[key] = statuses.get(key, 0) + 1
    ok = [r for r in results if r and r[0] == 200]
    shed = [r for r in results if r and r[0] == 503]
    no_retry = [r for r in shed if b"retry-after:" not in r[1].lower()]
    timed_out = [r for r in shed if b"deadline" in r[1]]
    slowest = max((r[2] for r in results if r), default=float("nan"))
    print(f"requests {total}: statuses {statuses}")
    print(f"200: {len(ok)}, p50 {s.percentile([r[2] for r in ok], 50)*1000:.0f} ms, "
          f"max {max((r[2] for r in ok), default=0)*1000:.0f} ms")
    print(f"503: {len(shed)} (over the deadline: {len(timed_out)}), without Retry-After: {len(no_retry)}, "
          f"p50 {s.percentile([r[2] for r in shed], 50)*1000:.1f} ms")
    print(f"slowest answer {slowest*1000:.0f} ms (deadline {DEADLINE_MS} ms)")
    failures = []
    if not shed:
        failures.append("nothing was shed with 503 beyond the cap")
    if no_retry:
        failures.append(f"{len(no_retry)} 503s without Retry-After")
    if len(ok) + len(shed) != total:
        failures.append(f"{total - len(ok) - len(shed)} requests got neither 200 nor 503")
    if slowest > DEADLINE_MS / 1000 + 1.0:
        failures.append(f"a request took {slowest*1000:.0f} ms, over its {DEADLINE_MS} ms deadline + 1 s")
    return s.finish(NAME, failures)


if __name__ == "__main__":
    s.main_guard(NAME, run)
