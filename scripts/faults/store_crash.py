#!/usr/bin/env python3
"""A server taking writes, killed with SIGKILL at random moments: every acknowledged write survives.

A client sends single-change mutations (`applyChanges` adding a SOURCE with its text and a
citation of it) over HTTP with an editor's API token, one after another, to `reegraph serve
--store S` on data/, and counts a write acknowledged once its 200 with the new version has been
read whole. The server is killed with SIGKILL at seeded random moments, again and again on the
same store; after each kill `reegraph export --data data --store S` must succeed (every stored
change set replays, so none is half-applied) and its files must hold every acknowledged id, each
with its text, and at most one id that was not acknowledged (the write in flight at the kill);
then the server starts again on the same store. Python 3 stdlib only; 127.0.0.1 only; every
process started is killed.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time

import _server as s

NAME = "store_crash"


MUTATION = ("mutation($c: [ChangeInput!]!) { applyChanges(reason: \"crash test\", changes: $c) "
            "{ version } }")


def editor_token(binary: str, root: str) -> tuple[str, str]:
    """An editor's API token and the tokens file holding its hash."""
    tokens = os.path.join(root, "tokens")
    done = subprocess.run([binary, "token", "create", "--name", "crash-writer", "--role", "editor",
                           "--file", tokens], capture_output=True, timeout=30, check=True)
    return done.stdout.decode().strip(), tokens


def write(port: int, token: str, source_id: str) -> bool:
    """One write; True once its acknowledgement (200, the new version) is read whole."""
    quote = f"crash text {source_id}"
    change = {"addSource": {
        "record": {"id": source_id, "name": "Crash test", "source_type": "RESEARCH_NOTES",
                   "citations": [{"source": source_id, "quote": quote, "grade": "VERIFIED"}]},
        "text": f"A {quote}."}}
    body = json.dumps({"query": MUTATION, "variables": {"c": [change]}}).encode()
    raw = (b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           b"Authorization: Bearer " + token.encode() + b"\r\nConnection: close\r\n"
           b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    status, data, _ = s.exchange(port, raw, timeout=30)
    if status != 200:
        return False
    try:
        answer = json.loads(data.split(b"\r\n\r\n", 1)[1])
    except (IndexError, ValueError):
        return False  # cut by the kill
    return isinstance(answer.get("data", {}).get("applyChanges", {}).get("version"), int)


def writer(port: int, token: str, cycle: int, acked: set[str], stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        source_id = f"source:crash-{cycle}-{n}"
        if not write(port, token, source_id):
            return  # the server is gone
        acked.add(source_id)
        n += 1


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
                ids.update(re.findall(r'^id = "(source:crash-[0-9-]+)"$', f.read(), re.M))
    missing_text = [i for i in ids
                    if not os.path.isfile(os.path.join(out, "sources", "store", i.split(":", 1)[1] + ".txt"))]
    if missing_text:
        return None, f"sources without their text: {missing_text[:3]}"
    return ids, ""


def run() -> int:
    a = s.args(__doc__.splitlines()[0])
    failures: list[str] = []
    kills = 50 if a.quick else 200
    # Seconds of writing before each kill: shorter in CI, where each restart replays the store.
    window = (0.1, 0.6) if a.quick else (0.3, 1.5)
    rng = random.Random(16)
    root = tempfile.mkdtemp(prefix="reegraph-storecrash-")
    store = os.path.join(root, "store.redb")
    token, tokens = editor_token(a.bin, root)
    acked: set[str] = set()
    unacked_present = 0
    try:
        for i in range(kills):
            with s.Server(a.bin, "--store", store, "--api-tokens-file", tokens) as server:
                stop = threading.Event()
                client = threading.Thread(target=writer, args=(server.port, token, i, acked, stop))
                client.start()
                time.sleep(rng.uniform(*window))
                server.proc.kill()  # SIGKILL, mid-write or between writes
                server.proc.wait(timeout=30)
                stop.set()
                client.join(timeout=60)
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
        if not acked:
            failures.append("no write was acknowledged")
        print(f"   {kills} SIGKILLs of a server taking writes over HTTP: {len(acked)} writes "
              f"acknowledged, all present after each restart; {unacked_present} present but never "
              f"acknowledged (in flight at a kill)")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return s.finish(NAME, failures)


if __name__ == "__main__":
    s.main_guard(NAME, run)
