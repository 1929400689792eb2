#!/usr/bin/env python3
"""SIGTERM with 300 requests in flight: every request fully written before SIGTERM is
answered (a 200 or another HTTP status, never a close or reset without a response)."""
import signal
import socket
import threading
import time

import _server as s

NAME = "shutdown_in_flight"


def run() -> int:
    a = s.args(__doc__)
    total = 300
    s.raise_nofile(4096)
    failures = []
    with s.Server(a.bin, "--max-concurrent-requests", "512", "--response-cache-bytes", "0") as server:
        socks = []
        for i in range(total):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            # Half heavy, half plain: some are executing, some queued or not yet read.
            sock.sendall(s.post_bytes(s.HEAVY if i % 2 else s.PLAIN))
            socks.append(sock)
        time.sleep(0.05)
        sent = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        results: list = [None] * total

        def read(i: int) -> None:
            try:
                results[i] = s.status_of(s.read_response(socks[i]))
            except OSError as e:
                results[i] = type(e).__name__
            finally:
                socks[i].close()

        threads = [threading.Thread(target=read, args=(i,)) for i in range(total)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=40)
        try:
            code = server.proc.wait(timeout=20)
        except Exception:
            code = None
        exited = time.monotonic() - sent
    statuses: dict = {}
    for r in results:
        statuses[r] = statuses.get(r, 0) + 1
    unanswered = sum(1 for r in results if not isinstance(r, int))
    print(f"requests written before SIGTERM: {total}; outcomes {statuses}")
    print(f"server exit code {code} after {exited:.2f} s")
    if unanswered:
        failures.append(f"{unanswered} of {total} requests were not answered")
    if code != 0:
        failures.append(f"the server exited with {code}")
    return s.finish(NAME, failures)


if __name__ == "__main__":
    s.main_guard(NAME, run)
