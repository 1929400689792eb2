#!/usr/bin/env python3.11
"""Exports data/*.toml to one JSON file for the graphql-js peer of the HTTP benchmark.

    scripts/bench-http/export.py [--data DIR] [--relation-types FILE] --out FILE

Reads every `*.toml` directly in the data directory in name order (as reegraph does), keeps
entities in file order (a file may hold several tables, e.g. `[[standard]]` and
`[[standard-batch]]`; their order is recovered from the position of each `id = ...` line) and
relations in file order, so the peer's relation indices, and with them its traversal order,
match reegraph's.

The relation readings (label / inverse label) are not in the data: they live in reegraph's
code. `--relation-types FILE` takes the JSON that
`reegraph query '{ relationTypes { type label inverseLabel } }'` prints and copies them in.

No validation is done here (`reegraph check` does that); this is a plain, lossless copy of the
fields the peer serves, with kind-specific fields kept under their camelCase names.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import tomllib
from pathlib import Path

# table name (= id prefix) -> (EntityKind enum value, GraphQL object type name)
KINDS = {
    "organization": ("ORGANIZATION", "Organization"),
    "official": ("OFFICIAL", "Official"),
    "event": ("EVENT", "Event"),
    "directive": ("DIRECTIVE", "Directive"),
    "standard": ("STANDARD", "Standard"),
    "standard-batch": ("STANDARD_BATCH", "StandardBatch"),
    "mineral": ("MINERAL", "Mineral"),
    "application": ("APPLICATION", "Application"),
    "stage": ("SUPPLY_CHAIN_STAGE", "SupplyChainStage"),
    "location": ("LOCATION", "Location"),
    "source": ("SOURCE", "Source"),
}
COMMON = {"id", "name", "aliases", "description", "citations"}
ID_LINE = re.compile(r'^\s*id\s*=\s*"([^"]+)"', re.MULTILINE)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def plain(value):
    """TOML values to JSON values (dates become ISO strings)."""
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {camel(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def citations(items):
    return [
        {
            "source": c["source"],
            "quote": c.get("quote"),
            "grade": c["grade"],
            "note": c.get("note"),
        }
        for c in items or []
    ]


def export(data_dir: Path, relation_types: dict | None) -> dict:
    entities, relations = [], []
    files = sorted(p for p in data_dir.glob("*.toml") if p.is_file())
    if not files:
        sys.exit(f"export.py: no *.toml files in {data_dir}")
    for path in files:
        text = path.read_text(encoding="utf-8")
        doc = tomllib.loads(text)
        order = {m.group(1): i for i, m in enumerate(ID_LINE.finditer(text))}
        found = []
        for table, items in doc.items():
            if table == "relation":
                for r in items:
                    relations.append(
                        {
                            "from": r["from"],
                            "type": r["type"],
                            "to": r["to"],
                            "role": r.get("role"),
                            "since": plain(r.get("since")),
                            "until": plain(r.get("until")),
                            "citations": citations(r.get("citations")),
                        }
                    )
                continue
            if table not in KINDS:
                sys.exit(f"export.py: {path.name}: unknown table [[{table}]]")
            kind, typename = KINDS[table]
            for e in items:
                details = {camel(k): plain(v) for k, v in e.items() if k not in COMMON}
                found.append(
                    {
                        "id": e["id"],
                        "kind": kind,
                        "typename": typename,
                        "name": e["name"],
                        "aliases": list(e.get("aliases", [])),
                        "description": e.get("description"),
                        "citations": citations(e.get("citations")),
                        "details": details,
                    }
                )
        found.sort(key=lambda e: order.get(e["id"], len(order)))
        entities.extend(found)
    out = {"entities": entities, "relations": relations}
    if relation_types is not None:
        out["relationTypes"] = {
            t["type"]: {"label": t["label"], "inverseLabel": t["inverseLabel"]}
            for t in relation_types["data"]["relationTypes"]
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="data", type=Path)
    ap.add_argument("--relation-types", type=Path, help="JSON printed by reegraph query")
    ap.add_argument("--out", required=True, type=Path)
    args = ap.parse_args()
    types = json.loads(args.relation_types.read_text()) if args.relation_types else None
    out = export(args.data, types)
    args.out.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")))
    print(
        f"export.py: {len(out['entities'])} entities, {len(out['relations'])} relations"
        f" -> {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
