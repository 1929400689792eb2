// Exports of the current view: PNG (drawn by Cytoscape), JSON (entities, relations and the
// citations known for them) and GraphML (for Gephi, Cytoscape desktop, yEd). Each is offered as
// a download of a blob made in the page: nothing leaves the browser.
import type { EdgeData, NodeData } from "./canvas";

export interface ViewExport {
  entities: (NodeData & { x: number; y: number })[];
  relations: EdgeData[];
}

/** The JSON document: the view's entities and relations, relations with their citations. */
export function toJson(view: ViewExport, url: string, root: string | null): string {
  return JSON.stringify(
    {
      generator: "reegraph explorer",
      url,
      root,
      entities: view.entities.map((e) => ({ id: e.id, name: e.name, kind: e.kind, code: e.code, x: e.x, y: e.y })),
      relations: view.relations.map((r) => ({
        from: r.source,
        to: r.target,
        type: r.type,
        label: r.label,
        grade: r.grade,
        role: r.role,
        since: r.since,
        until: r.until,
        citations: r.citations ?? null,
      })),
    },
    null,
    2,
  );
}

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** GraphML with the entities' name and kind, and the relations' type, label, grade and
 * citations (as JSON text). */
export function toGraphml(view: ViewExport): string {
  const data = (key: string, value: string | number | null | undefined) =>
    value === null || value === undefined ? "" : `<data key="${key}">${xml(String(value))}</data>`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
    '  <key id="name" for="node" attr.name="name" attr.type="string"/>',
    '  <key id="kind" for="node" attr.name="kind" attr.type="string"/>',
    '  <key id="code" for="node" attr.name="code" attr.type="string"/>',
    '  <key id="x" for="node" attr.name="x" attr.type="double"/>',
    '  <key id="y" for="node" attr.name="y" attr.type="double"/>',
    '  <key id="type" for="edge" attr.name="type" attr.type="string"/>',
    '  <key id="label" for="edge" attr.name="label" attr.type="string"/>',
    '  <key id="grade" for="edge" attr.name="grade" attr.type="string"/>',
    '  <key id="citations" for="edge" attr.name="citations" attr.type="string"/>',
    '  <graph id="reegraph" edgedefault="directed">',
  ];
  for (const e of view.entities) {
    lines.push(
      `    <node id="${xml(e.id)}">${data("name", e.name)}${data("kind", e.kind)}${data("code", e.code)}${data("x", e.x)}${data("y", e.y)}</node>`,
    );
  }
  view.relations.forEach((r, i) => {
    lines.push(
      `    <edge id="e${i}" source="${xml(r.source)}" target="${xml(r.target)}">${data("type", r.type)}${data("label", r.label)}${data("grade", r.grade)}${data("citations", r.citations ? JSON.stringify(r.citations) : null)}</edge>`,
    );
  });
  lines.push("  </graph>", "</graphml>", "");
  return lines.join("\n");
}

/** Offers `blob` as a download named `name`. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
