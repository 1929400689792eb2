"""Shared helpers for the fault scenarios (not a scenario: the driver skips `_*.py`).

Starts a reegraph server on a free 127.0.0.1 port with the repo's data/, waits for /healthz,
and always kills it; raw-socket HTTP requests with timings; percentiles. Python 3 stdlib only.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A heavy but legal traversal: tens of milliseconds in a release build.
HEAVY = ('{ related(to: "application:defense-grade-magnets", kinds: [STANDARD, MINERAL], '
         'maxHops: 3, first: 50) { distance path { hops { relation { citations { quote '
         'source { id } } } } } } }')
PLAIN = '{ stats { entities relations } }'


def args(description: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--bin", default=os.path.join(REPO, "target/release/reegraph"))
    p.add_argument("--quick", action="store_true", help="the short CI mode")
    return p.parse_args()


def raise_nofile(want: int) -> int:
    """Raises the soft open-file limit towards `want` (children inherit it); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A reegraph server; use as a context manager so it is always killed."""

    def __init__(self, binary: str, *flags: str):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="reegraph-fault-", suffix=".log", delete=False)
        env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn"))
        self.proc = subprocess.Popen(
            [binary, "serve", "--bind", f"127.0.0.1:{self.port}", "--data", os.path.join(REPO, "data"), *flags],
            stdout=self.log, stderr=self.log, env=env)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}): {self.log_text()}")
            try:
                if request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.close()
                raise RuntimeError("server did not answer /healthz within 60 s")
            time.sleep(0.1)

    def log_text(self) -> str:
        with open(self.log.name, errors="replace") as f:
            return f.read()[-4000:]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        os.unlink(self.log.name)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def post_bytes(query: str, **extra) -> bytes:
    body = json.dumps({"query": query, **extra}).encode()
    return (b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def get_bytes(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()


def read_response(sock: socket.socket) -> bytes:
    out = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return out
        out += chunk


def exchange(port: int, raw: bytes, timeout: float = 10.0) -> tuple[int | None, bytes, float]:
    """Sends `raw` on a new connection; returns (status or None, response, seconds)."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(raw)
            data = read_response(s)
    except OSError:
        return None, b"", time.monotonic() - started
    return status_of(data), data, time.monotonic() - started


def status_of(data: bytes) -> int | None:
    if data.startswith(b"HTTP/1.1 ") and len(data) >= 12 and data[9:12].isdigit():
        return int(data[9:12])
    return None


def request(port: int, method: str, path: str, timeout: float = 10.0) -> tuple[int | None, bytes, float]:
    return exchange(port, get_bytes(path) if method == "GET" else post_bytes(path), timeout)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def finish(name: str, failures: list[str]) -> int:
    if failures:
        print(f"FAIL {name}: " + "; ".join(failures))
        return 1
    print(f"PASS {name}")
    return 0


def main_guard(name: str, run) -> None:
    try:
        code = run()
    except Exception as e:  # a scenario that crashes fails with its reason
        print(f"FAIL {name}: {type(e).__name__}: {e}")
        code = 1
    sys.stdout.flush()
    sys.exit(code)
