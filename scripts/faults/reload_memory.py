#!/usr/bin/env python3
"""Memory across reloads: RSS must settle, not grow with each SIGHUP.

Generates a synthetic dataset (`reegraph generate`, 300,000 entities; 100,000 with --quick),
writes it as a snapshot (`reegraph snapshot`), serves the snapshot, and after the first load
and each of N SIGHUP reloads (10) reads the server's VmRSS and VmHWM from /proc/PID/status.
Each reload is awaited through /metrics (reegraph_reloads_total{result="ok"}) and followed by
one query; RSS is read 2 s later (settled; --settle). Threshold: RSS after the last reload < 1.6x the settled RSS after the first load
(two graphs live at once during a swap is expected; more than that is not). Linux only
(/proc); Python 3 stdlib only; 127.0.0.1 only; every process started is killed.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import time

import _server as s
from bad_data_files import DataServer, entities, metric

NAME = "reload_memory"
LIMIT = 1.6


def status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def mb(kb: int) -> float:
    return kb / 1024


def run() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", default=os.path.join(s.REPO, "target/release/reegraph"))
    p.add_argument("--quick", action="store_true", help="the short CI mode")
    p.add_argument("--entities", type=int, help="synthetic entities (300,000; --quick 100,000)")
    p.add_argument("--reloads", type=int, default=10)
    p.add_argument("--settle", type=float, default=2.0, help="seconds before RSS is read")
    a = p.parse_args()
    count = a.entities or (100_000 if a.quick else 300_000)
    failures: list[str] = []
    root = tempfile.mkdtemp(prefix="reegraph-reloadmem-")
    try:
        toml = os.path.join(root, "toml")
        snap = os.path.join(root, "graph.snapshot")
        subprocess.run([a.bin, "generate", "--entities", str(count), "--out", toml],
                       check=True, stdout=subprocess.DEVNULL, timeout=600)
        subprocess.run([a.bin, "snapshot", "--data", toml, "--out", snap],
                       check=True, stdout=subprocess.DEVNULL, timeout=600)
        shutil.rmtree(toml)
        print(f"   {count} entities, snapshot {os.path.getsize(snap) / 1e6:.0f} MB")
        with DataServer(a.bin, snap) as srv:
            pid = srv.proc.pid
            served = entities(srv.port)
            if served is None:
                return s.finish(NAME, ["no entity count from the fresh server"])
            time.sleep(1.0)
            settled = status_kb(pid, "VmRSS")
            print(f"   after the first load: RSS {mb(settled):.0f} MB, "
                  f"HWM {mb(status_kb(pid, 'VmHWM')):.0f} MB")
            rss: list[int] = []
            for i in range(1, a.reloads + 1):
                ok_before = metric(srv.port, 'reegraph_reloads_total{result="ok"}') or 0
                srv.proc.send_signal(signal.SIGHUP)
                deadline = time.monotonic() + 120
                while (metric(srv.port, 'reegraph_reloads_total{result="ok"}') or 0) <= ok_before:
                    if srv.proc.poll() is not None or time.monotonic() > deadline:
                        return s.finish(NAME, [f"reload {i} did not complete"])
                    time.sleep(0.05)
                if entities(srv.port) != served:
                    failures.append(f"reload {i}: served a different entity count")
                # Settled: the allocator returns freed memory after a delay (see cli/serve.rs).
                time.sleep(a.settle)
                rss.append(status_kb(pid, "VmRSS"))
                print(f"   after reload {i}: RSS {mb(rss[-1]):.0f} MB "
                      f"({rss[-1] / settled:.2f}x), HWM {mb(status_kb(pid, 'VmHWM')):.0f} MB")
            ratio = rss[-1] / settled
            print(f"   RSS after {a.reloads} reloads / after the first load: {ratio:.2f} "
                  f"(limit {LIMIT})")
            if ratio >= LIMIT:
                failures.append(f"RSS after {a.reloads} reloads is {ratio:.2f}x the first load's")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return s.finish(NAME, failures)


if __name__ == "__main__":
    s.main_guard(NAME, run)
