import Graph from "graphology";
import Sigma from "sigma";
import { makeGraph, painted, rings } from "./graph.js";
// "full": node and edge labels, arrows; "dots": no labels.
window.run = async (variant, n, m) => {
  const g = makeGraph(n, m);
  const t0 = performance.now();
  const pos = rings(g);
  const graph = new Graph({ multi: true });
  g.nodes.forEach((d, i) => graph.addNode(d.id, { label: d.label, x: pos[i].x, y: pos[i].y, size: 5, color: "#4e79a7" }));
  g.edges.forEach((e) => graph.addEdgeWithKey(e.id, e.source, e.target, { label: e.label, type: "arrow", size: 1 }));
  const full = variant === "full";
  new Sigma(graph, document.getElementById("c"), { renderLabels: full, renderEdgeLabels: full });
  await painted();
  return performance.now() - t0;
};
