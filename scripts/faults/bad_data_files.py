#!/usr/bin/env python3
"""Bad data files under a watching server: each must be refused without harm.

A server runs with `--watch` on a copy of data/. One at a time, a bad file is added: 10,000
nested inline tables, invalid UTF-8, a FIFO named x.toml, a symlink loop, a directory named
d.toml, a 50 MB file. For each: the server stays up and keeps answering with the old graph
(same entity count), the failed reload shows in /metrics and /readyz, and `reegraph check --data
DIR` exits 1 within a timeout naming the path (and, for the 50 MB file, its size and the
limit: it is refused from its size, unread, by the default --max-data-file-bytes). Then the file is removed and the reload must
succeed. Python 3 stdlib only; 127.0.0.1 only; every process started is killed.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import _server as s

NAME = "bad_data_files"


def copy_data(to: str) -> None:
    shutil.copytree(os.path.join(s.REPO, "data"), to)


class DataServer(s.Server):
    """A server on `data` with `flags` (the shared Server always serves the repo's data/)."""

    def __init__(self, binary: str, data: str, *flags: str):  # noqa: D107
        self.port = s.free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="reegraph-fault-", suffix=".log", delete=False)
        env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn"))
        self.proc = subprocess.Popen(
            [binary, "serve", "--bind", f"127.0.0.1:{self.port}", "--data", data, *flags],
            stdout=self.log, stderr=self.log, env=env)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}): {self.log_text()}")
            if s.request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                return
            if time.monotonic() > deadline:
                self.close()
                raise RuntimeError("server did not answer /healthz within 60 s")
            time.sleep(0.1)


def body(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""


def entities(port: int) -> int | None:
    status, data, _ = s.request(port, "POST", s.PLAIN)
    if status != 200:
        return None
    try:
        return json.loads(body(data))["data"]["stats"]["entities"]
    except (ValueError, KeyError, TypeError):
        return None


def metric(port: int, name: str) -> float | None:
    status, data, _ = s.request(port, "GET", "/metrics")
    if status != 200:
        return None
    m = re.search(rb"^" + re.escape(name.encode()) + rb" (\S+)$", body(data), re.M)
    return float(m.group(1)) if m else None


def readyz(port: int) -> str:
    return body(s.request(port, "GET", "/readyz")[1]).decode(errors="replace")


def wait_for(pred, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def check(binary: str, data: str, timeout: float) -> tuple[int | None, str, float]:
    started = time.monotonic()
    try:
        done = subprocess.run([binary, "check", "--data", data], capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", time.monotonic() - started
    out = (done.stdout + done.stderr).decode(errors="replace")
    return done.returncode, out, time.monotonic() - started


def make_nested(path: str) -> None:
    depth = 10_000
    with open(path, "w") as f:
        f.write("x = " + "{ a = " * depth + "1" + " }" * depth + "\n")


def make_utf8(path: str) -> None:
    with open(path, "wb") as f:
        f.write(b'[[mineral]]\nid = "mineral:bad\xff\xfe"\nname = "\xc3\x28"\n')


def make_fifo(path: str) -> None:
    os.mkfifo(path)


def make_loop(path: str) -> None:
    os.symlink(os.path.basename(path), path)


def make_dir(path: str) -> None:
    os.mkdir(path)


def make_big(path: str) -> None:
    # 50 MB of comment lines, then a broken line: the parser must go through all of it.
    line = "# " + "p" * 97 + "\n"
    with open(path, "w") as f:
        chunk = line * 10_000
        for _ in range(50):
            f.write(chunk)
        f.write("broken = \n")


# The default --max-data-file-bytes (32 MiB).
MAX_DATA_FILE_BYTES = 32 << 20

# (label, file name, how to make it, words `check` must print besides the file name)
CASES = [
    ("deep nesting (10,000 inline tables)", "nested.toml", make_nested, None),
    ("invalid UTF-8", "utf8.toml", make_utf8, None),
    ("FIFO named x.toml", "x.toml", make_fifo, None),
    ("symlink loop", "loop.toml", make_loop, None),
    ("directory named d.toml", "d.toml", make_dir, None),
    ("50 MB file", "big.toml", make_big,
     f"is 50000010 bytes, above the limit of {MAX_DATA_FILE_BYTES} bytes"),
]


def remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        os.rmdir(path)
    else:
        os.unlink(path)


def run() -> int:
    a = s.args(__doc__.splitlines()[0])
    failures: list[str] = []
    settle = 20.0 if a.quick else 60.0
    root = tempfile.mkdtemp(prefix="reegraph-badfiles-")
    data = os.path.join(root, "data")
    try:
        copy_data(data)
        with DataServer(a.bin, data, "--watch") as srv:
            base = entities(srv.port)
            if base is None:
                return s.finish(NAME, ["no entity count from the fresh server"])
            print(f"   served entities: {base}")
            for label, fname, make, words in CASES:
                path = os.path.join(data, fname)
                failed_before = metric(srv.port, 'reegraph_reloads_total{result="failed"}') or 0
                ok_before = metric(srv.port, 'reegraph_reloads_total{result="ok"}') or 0
                t0 = time.monotonic()
                make(path)
                seen = wait_for(lambda: (metric(srv.port, 'reegraph_reloads_total{result="failed"}')
                                         or 0) > failed_before, settle)
                shown = time.monotonic() - t0
                if srv.proc.poll() is not None:
                    failures.append(f"{label}: server died ({srv.proc.returncode}): "
                                    f"{srv.log_text()[-400:]}")
                    print(f"   {label}: server DIED")
                    break
                if not seen:
                    failures.append(f"{label}: no failed reload within {settle:.0f} s")
                last_ok = metric(srv.port, "reegraph_last_reload_ok")
                problems = metric(srv.port, "reegraph_last_reload_problems")
                ready = readyz(srv.port)
                if last_ok != 0 or "last reload: failed" not in ready:
                    failures.append(f"{label}: failure not shown (last_reload_ok={last_ok}, "
                                    f"readyz={ready!r})")
                count = entities(srv.port)
                if count != base:
                    failures.append(f"{label}: served {count} entities, not the old {base}")
                code, out, took = check(a.bin, data, 30.0)
                if code != 1:
                    failures.append(f"{label}: check exited {code} (want 1) in {took:.2f} s")
                elif fname not in out:
                    failures.append(f"{label}: check output does not name {fname}: {out[-300:]!r}")
                elif words is not None and words not in out:
                    failures.append(f"{label}: check output lacks {words!r}: {out[-300:]!r}")
                remove(path)
                back = wait_for(lambda: (metric(srv.port, 'reegraph_reloads_total{result="ok"}')
                                         or 0) > ok_before
                                and metric(srv.port, "reegraph_last_reload_ok") == 1, settle)
                if not back:
                    failures.append(f"{label}: no successful reload after removing it")
                after = entities(srv.port)
                if after != base:
                    failures.append(f"{label}: {after} entities after removal, not {base}")
                print(f"   {label}: failure shown after {shown:.2f} s ({problems} problems), "
                      f"served {count}, check exit {code} in {took:.2f} s, "
                      f"recovered={back}")
            if srv.proc.poll() is not None and not any("died" in f for f in failures):
                failures.append(f"server exited ({srv.proc.returncode})")
    finally:
        for dirpath, _, files in os.walk(root):
            for f in files:
                p = os.path.join(dirpath, f)
                if os.path.islink(p) or not os.path.isfile(p):
                    try:
                        os.unlink(p)
                    except OSError:
                        pass
        shutil.rmtree(root, ignore_errors=True)
    return s.finish(NAME, failures)


if __name__ == "__main__":
    s.main_guard(NAME, run)
