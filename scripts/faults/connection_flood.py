#!/usr/bin/env python3
"""5,000 concurrent slow connections (headers trickled one line a second) against the default
1,024-connection cap, while a probe measures /healthz: every connection gets an HTTP answer
(503 beyond the cap, 408 or a close after the header-read timeout) — none is closed unanswered
before that timeout — and /healthz p99 < 1 s."""
import selectors
import socket
import threading
import time

import _server as s

NAME = "connection_flood"
READ_TIMEOUT_MS = 2000


def run() -> int:
    a = s.args(__doc__)
    total = 5000
    duration = 8.0 if a.quick else 30.0
    limit = s.raise_nofile(total * 2 + 500)
    if limit < total + 200:
        print(f"open-file limit {limit} < {total + 200}: cannot open {total} connections here")
        return s.finish(NAME, [f"ulimit -n is {limit}"])
    with s.Server(a.bin, "--read-timeout-ms", str(READ_TIMEOUT_MS)) as server:
        sel = selectors.DefaultSelector()
        opened = {}
        outcome = {"answered": 0, "timed_out_close": 0, "early_close": 0, "connect_failed": 0, "still_open": 0}
        statuses: dict = {}
        health: list = []
        health_status: dict = {}
        stop = time.monotonic() + duration

        def probe() -> None:
            while time.monotonic() < stop + 2:
                st, _, t = s.request(server.port, "GET", "/healthz", timeout=10)
                health.append(t)
                health_status[st] = health_status.get(st, 0) + 1
                time.sleep(0.05)

        prober = threading.Thread(target=probe)
        prober.start()
        for i in range(total):
            try:
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                sock.sendall(b"GET /healthz HTTP/1.1\r\n")
                sock.setblocking(False)
            except OSError:
                outcome["connect_failed"] += 1
                continue
            opened[sock] = time.monotonic()
            sel.register(sock, selectors.EVENT_READ)
        next_trickle = time.monotonic() + 1
        while opened and time.monotonic() < stop + READ_TIMEOUT_MS / 1000 + 5:
            for key, _ in sel.select(timeout=0.2):
                sock = key.fileobj
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                age = time.monotonic() - opened.pop(sock)
                sel.unregister(sock)
                sock.close()
                if data.startswith(b"HTTP/1.1 "):
                    outcome["answered"] += 1
                    st = s.status_of(data)
                    statuses[st] = statuses.get(st, 0) + 1
                elif age >= READ_TIMEOUT_MS / 1000 * 0.9:
                    outcome["timed_out_close"] += 1
                else:
                    outcome["early_close"] += 1
            if time.monotonic() >= next_trickle and time.monotonic() < stop:
                next_trickle += 1
                for sock in list(opened):
                    try:
                        sock.send(b"X-Slow: 1\r\n")
                    except OSError:
                        pass
        outcome["still_open"] = len(opened)
        for sock in opened:
            sock.close()
        prober.join(timeout=30)
        alive = server.proc.poll() is None
    h99 = s.percentile(health, 99)
    print(f"{total} slow connections, header-read timeout {READ_TIMEOUT_MS} ms, cap 1024: {outcome}")
    print(f"HTTP answers by status: {statuses}")
    print(f"/healthz probes: {len(health)}, statuses {health_status}, "
          f"p50 {s.percentile(health, 50)*1000:.1f} ms, p99 {h99*1000:.1f} ms")
    failures = []
    if not alive:
        failures.append("the server died")
    if outcome["early_close"]:
        failures.append(f"{outcome['early_close']} connections closed unanswered before the timeout")
    if outcome["still_open"]:
        failures.append(f"{outcome['still_open']} connections neither answered nor closed")
    if health_status.get(None):
        failures.append(f"{health_status[None]} /healthz probes got no HTTP answer")
    if not health or h99 >= 1.0:
        failures.append(f"/healthz p99 {h99*1000:.0f} ms >= 1 s")
    return s.finish(NAME, failures)


if __name__ == "__main__":
    s.main_guard(NAME, run)
