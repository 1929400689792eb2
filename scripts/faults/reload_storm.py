#!/usr/bin/env python3
"""A reload storm: the served graph is always a whole version, and ends on the final files.

A server runs with `--watch` on a copy of data/. A data file is rewritten in place every 10 ms
the way an editor does (truncate, write half, write the rest), alternating two valid versions
with different entity counts; SIGHUP is sent often; another file is deleted and restored
mid-run. Meanwhile a client keeps asking for the entity count: no answer may show a count that
matches neither version (a half-written file served). Then the changes stop, and within a
bounded settle time the served count must equal `reegraph check`'s count for the final files
(never stuck on an older graph). Python 3 stdlib only; 127.0.0.1 only; every process started
is killed.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import _server as s
from bad_data_files import DataServer, entities

NAME = "reload_storm"

EXTRA = '''
[[application]]
id = "application:storm-probe"
name = "Reload storm probe"
citations = [{ source = "source:reex-2025-tonglu", quote = "NdPr magnets", grade = "REPORTED" }]
'''


def check_count(binary: str, data: str) -> int | None:
    done = subprocess.run([binary, "check", "--data", data], capture_output=True, timeout=60)
    m = re.search(rb"(\d+) entities", done.stdout + done.stderr)
    return int(m.group(1)) if done.returncode == 0 and m else None


def write_in_place(path: str, text: str) -> None:
    # Truncate, then write in two parts: a reader in between sees an empty or half file.
    with open(path, "r+" if os.path.exists(path) else "w") as f:
        f.truncate(0)
        f.flush()
        half = len(text) // 2
        f.write(text[:half])
        f.flush()
        time.sleep(0.001)
        f.write(text[half:])


def run() -> int:
    a = s.args(__doc__.splitlines()[0])
    failures: list[str] = []
    storm_seconds = 3.0 if a.quick else 15.0
    root = tempfile.mkdtemp(prefix="reegraph-storm-")
    data = os.path.join(root, "data")
    try:
        shutil.copytree(os.path.join(s.REPO, "data"), data)
        target = os.path.join(data, "applications.toml")
        victim = os.path.join(data, "minerals.toml")
        with open(target) as f:
            version_a = f.read()
        version_b = version_a + EXTRA
        with open(victim) as f:
            victim_text = f.read()

        count_a = check_count(a.bin, data)
        write_in_place(target, version_b)
        count_b = check_count(a.bin, data)
        os.unlink(victim)
        without_victim = check_count(a.bin, data)
        with open(victim, "w") as f:
            f.write(victim_text)
        write_in_place(target, version_a)
        if count_a is None or count_b is None or count_a == count_b:
            return s.finish(NAME, [f"the two versions must be valid with different counts "
                                   f"(got {count_a}, {count_b})"])
        allowed = {count_a, count_b}
        print(f"   versions: {count_a} and {count_b} entities; without "
              f"{os.path.basename(victim)}: {'invalid' if without_victim is None else without_victim}")
        if without_victim is not None:
            allowed.add(without_victim)  # a whole, valid state too: serving it is correct

        with DataServer(a.bin, data, "--watch") as srv:
            seen: dict[int | None, int] = {}
            stop = threading.Event()

            def client() -> None:
                while not stop.is_set():
                    c = entities(srv.port)
                    seen[c] = seen.get(c, 0) + 1

            reader = threading.Thread(target=client)
            reader.start()
            writes = hups = 0
            deleted = False
            started = time.monotonic()
            last = version_a
            try:
                while (elapsed := time.monotonic() - started) < storm_seconds:
                    last = version_b if writes % 2 == 0 else version_a
                    write_in_place(target, last)
                    writes += 1
                    if writes % 5 == 0:
                        srv.proc.send_signal(signal.SIGHUP)
                        hups += 1
                    if not deleted and elapsed > storm_seconds / 2:
                        os.unlink(victim)
                        deleted = True
                        restore_at = elapsed + 0.3
                    if deleted and victim_text is not None and elapsed > restore_at:
                        with open(victim, "w") as f:
                            f.write(victim_text)
                        victim_text = None
                    time.sleep(0.01)
                if victim_text is not None:
                    with open(victim, "w") as f:
                        f.write(victim_text)
                if last is not version_b:
                    # End on the version the server did not start with, so that a server stuck
                    # on its first graph cannot pass.
                    write_in_place(target, version_b)
                    writes += 1
                storm_end = time.monotonic()
                final = check_count(a.bin, data)
                settled = None
                while time.monotonic() - storm_end < 20.0:
                    if srv.proc.poll() is not None:
                        break
                    if entities(srv.port) == final:
                        settled = time.monotonic() - storm_end
                        break
                    time.sleep(0.1)
            finally:
                stop.set()
                reader.join()
            served = entities(srv.port)
            answers = sum(seen.values())
            odd = {c: n for c, n in seen.items() if c not in allowed}
            print(f"   storm {storm_seconds:.0f} s: {writes} in-place writes, {hups} SIGHUPs, "
                  f"1 delete+restore; {answers} answers: "
                  + ", ".join(f"{c}: {n}" for c, n in sorted(seen.items(), key=str)))
            print(f"   final files: {final} entities; served {served}; settled "
                  + (f"{settled:.2f} s after the storm" if settled is not None else "NEVER (20 s)"))
            if srv.proc.poll() is not None:
                failures.append(f"server exited ({srv.proc.returncode}): {srv.log_text()[-300:]}")
            if odd:
                failures.append(f"answers matching neither version: {odd}")
            if final is None:
                failures.append("the final files do not check")
            elif settled is None:
                failures.append(f"served {served} entities 20 s after the storm, not the final "
                                f"files' {final}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return s.finish(NAME, failures)


if __name__ == "__main__":
    s.main_guard(NAME, run)
