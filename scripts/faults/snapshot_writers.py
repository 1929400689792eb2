#!/usr/bin/env python3
"""Snapshot writers killed mid-write, and writers racing: the snapshot is never half a file.

`reegraph snapshot --data data --out T` is killed with SIGKILL at seeded random moments within
the length of an unkilled run (a bounded count); then pairs of writers run at once. After each,
T is absent or a complete snapshot (`reegraph check --data T` exits 0). After a final run that
starts once the dead writers' temp files are past the writer's 2 s grace, no `.T.*.partial` file
may be left. Python 3 stdlib only; no network; every process started is killed.
"""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import tempfile
import time

import _server as s

NAME = "snapshot_writers"
GRACE = 2.0  # src/graph/snapshot/file.rs TEMP_GRACE: dead writers' temp files older than this go


def snapshot(binary: str, out: str) -> subprocess.Popen:
    return subprocess.Popen([binary, "snapshot", "--data", os.path.join(s.REPO, "data"),
                             "--out", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def check_ok(binary: str, path: str) -> tuple[bool, str]:
    try:
        done = subprocess.run([binary, "check", "--data", path], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return False, "check timed out"
    return done.returncode == 0, (done.stdout + done.stderr).decode(errors="replace")[-300:]


def partials(directory: str, name: str) -> list[str]:
    return sorted(f for f in os.listdir(directory)
                  if f.startswith(f".{name}.") and f.endswith(".partial"))


def run() -> int:
    a = s.args(__doc__.splitlines()[0])
    failures: list[str] = []
    kills = 20 if a.quick else 100
    pairs = 3 if a.quick else 10
    rng = random.Random(12)
    root = tempfile.mkdtemp(prefix="reegraph-snapwriters-")
    out = os.path.join(root, "T")
    procs: list[subprocess.Popen] = []
    try:
        # The length of one unkilled run sets the window the kills fall in.
        t0 = time.monotonic()
        p = snapshot(a.bin, out)
        procs.append(p)
        if p.wait(timeout=120) != 0:
            return s.finish(NAME, [f"an unkilled snapshot run exited {p.returncode}"])
        full = time.monotonic() - t0
        ok, why = check_ok(a.bin, out)
        if not ok:
            return s.finish(NAME, [f"an unkilled run's snapshot fails check: {why}"])
        print(f"   one run: {full * 1000:.0f} ms, {os.path.getsize(out)} bytes")
        os.unlink(out)

        complete = absent = killed_early = 0
        for i in range(kills):
            # T is removed first, so that each kill's own outcome is what is checked.
            if os.path.exists(out):
                os.unlink(out)
            p = snapshot(a.bin, out)
            procs.append(p)
            time.sleep(rng.uniform(0, full))
            if p.poll() is None:
                p.kill()
            else:
                killed_early += 1
            p.wait(timeout=30)
            if os.path.exists(out):
                ok, why = check_ok(a.bin, out)
                if not ok:
                    failures.append(f"kill {i}: T is not a complete snapshot: {why}")
                complete += 1
            else:
                absent += 1
        left = len(partials(root, "T"))
        print(f"   {kills} SIGKILLs: T absent {absent}, complete {complete}, "
              f"finished before the kill {killed_early}; temp files left by the dead: {left}")

        bad_pairs = 0
        for i in range(pairs):
            ps = [snapshot(a.bin, out), snapshot(a.bin, out)]
            procs.extend(ps)
            codes = [q.wait(timeout=120) for q in ps]
            ok, why = check_ok(a.bin, out)
            if codes != [0, 0] or not ok:
                bad_pairs += 1
                failures.append(f"pair {i}: exits {codes}, check ok={ok}: {why}")
        print(f"   {pairs} pairs of concurrent writers: {pairs - bad_pairs} left a complete snapshot")

        time.sleep(GRACE + 0.5)
        p = snapshot(a.bin, out)
        procs.append(p)
        if p.wait(timeout=120) != 0:
            failures.append(f"the final run exited {p.returncode}")
        ok, why = check_ok(a.bin, out)
        if not ok:
            failures.append(f"the final snapshot fails check: {why}")
        rest = partials(root, "T")
        if rest:
            failures.append(f"temp files left after the final run: {rest}")
        print(f"   after the final run: {len(rest)} temp files left, check ok={ok}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(root, ignore_errors=True)
    return s.finish(NAME, failures)


if __name__ == "__main__":
    s.main_guard(NAME, run)
