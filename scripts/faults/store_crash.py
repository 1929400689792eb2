#!/usr/bin/env python3
"""A writer of the store killed with SIGKILL at random moments: every acknowledged write survives.

`examples/write_latency --print-acks` writes single-change change sets to a store on data/ (each
a SOURCE with its text and a citation of it) through `Store::write` (validation, the redb append
synced to disk, the commit, the graph rebuilt) and prints `ack <id>` once each returns. It is
killed with SIGKILL at seeded random moments, again and again on the same store; after each kill
`reegraph export --data data --store S` must succeed (every stored change set replays, so none
is half-applied) and its files must hold every acknowledged id, each with its text, and at most
one id that was not acknowledged (the write in flight at the kill). Python 3 stdlib only; no
network; every process started is killed.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile
import time

import _server as s

NAME = "store_crash"


def writer(example: str, store: str) -> subprocess.Popen:
    return subprocess.Popen([example, "--data", os.path.join(s.REPO, "data"), "--store", store,
                             "--writes", "1000000", "--print-acks"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def stored_ids(binary: str, store: str, out: str) -> tuple[set[str] | None, str]:
    """The bench ids in the export of data/ + the store, or None and why the export failed."""
    shutil.rmtree(out, ignore_errors=True)
    done = subprocess.run([binary, "export", "--data", os.path.join(s.REPO, "data"), "--store", store,
                           "--out", out], capture_output=True, timeout=120)
    if done.returncode != 0:
        return None, (done.stdout + done.stderr).decode(errors="replace")[-400:]
    ids: set[str] = set()
    for name in os.listdir(out):
        if name.startswith("entities-source-") and name.endswith(".toml"):
            with open(os.path.join(out, name), encoding="utf-8") as f:
                ids.update(re.findall(r'^id = "(source:bench-[0-9-]+)"$', f.read(), re.M))
    missing_text = [i for i in ids
                    if not os.path.isfile(os.path.join(out, "sources", "store", i.split(":", 1)[1] + ".txt"))]
    if missing_text:
        return None, f"sources without their text: {missing_text[:3]}"
    return ids, ""


def run() -> int:
    a = s.args(__doc__.splitlines()[0])
    failures: list[str] = []
    kills = 50 if a.quick else 200
    rng = random.Random(16)
    example = os.path.join(os.path.dirname(a.bin), "examples", "write_latency")
    if not os.path.exists(example):
        subprocess.run(["cargo", "build", "--release", "--example", "write_latency"], cwd=s.REPO, check=True)
    root = tempfile.mkdtemp(prefix="reegraph-storecrash-")
    store = os.path.join(root, "store.redb")
    acked: set[str] = set()
    unacked_present = 0
    procs: list[subprocess.Popen] = []
    try:
        for i in range(kills):
            p = writer(example, store)
            procs.append(p)
            deadline = time.monotonic() + rng.uniform(0.3, 1.5)
            fd = p.stdout.fileno()
            os.set_blocking(fd, False)
            buffer = b""
            while time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.005)
                try:
                    buffer += os.read(fd, 1 << 16)
                except BlockingIOError:
                    pass
            p.kill()
            p.wait(timeout=30)
            os.set_blocking(fd, True)
            buffer += p.stdout.read()
            # Only whole lines are acknowledgements: a line cut by the kill was never read whole.
            for line in buffer.decode().splitlines(keepends=True):
                if line.endswith("\n") and line.startswith("ack "):
                    acked.add(line[4:].strip())
            ids, why = stored_ids(a.bin, store, os.path.join(root, "export"))
            if ids is None:
                failures.append(f"kill {i}: the store does not replay: {why}")
                break
            lost = acked - ids
            if lost:
                failures.append(f"kill {i}: {len(lost)} acknowledged writes lost, e.g. {sorted(lost)[:3]}")
            extra = ids - acked
            if len(extra) > unacked_present + 1:
                failures.append(f"kill {i}: {len(extra) - unacked_present} unacknowledged writes present")
            unacked_present = len(extra)
        print(f"   {kills} SIGKILLs of a continuous writer: {len(acked)} writes acknowledged, "
              f"all present after each restart; {unacked_present} present but never acknowledged "
              f"(in flight at a kill)")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(root, ignore_errors=True)
    return s.finish(NAME, failures)


if __name__ == "__main__":
    s.main_guard(NAME, run)
