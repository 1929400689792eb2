import cytoscape from "cytoscape";
import { makeGraph, painted, rings } from "./graph.js";
const shapes = ["round-rectangle", "ellipse", "diamond", "tag", "rectangle", "barrel", "hexagon", "star", "rhomboid", "triangle"];
// "full": shapes by kind, arrows, node and edge labels (what a small view draws);
// "dots": colored dots, center-to-center lines, no labels (what a large zoomed-out view draws).
window.run = async (variant, n, m) => {
  const g = makeGraph(n, m);
  const t0 = performance.now();
  const pos = rings(g);
  const full = variant === "full";
  cytoscape({
    container: document.getElementById("c"),
    layout: { name: "preset" },
    elements: [
      ...g.nodes.map((d, i) => ({ data: { ...d, shape: shapes[d.kind] }, position: pos[i] })),
      ...g.edges.map((d) => ({ data: d })),
    ],
    style: [
      { selector: "node", style: full
        ? { label: "data(label)", shape: "data(shape)", width: 26, height: 26, "font-size": 11, "min-zoomed-font-size": 7, "border-width": 1, "border-color": "#fff", "background-color": "#4e79a7" }
        : { label: "", shape: "ellipse", width: 26, height: 26, "background-color": "#4e79a7" } },
      { selector: "edge", style: full
        ? { label: "data(label)", "curve-style": "straight", "target-arrow-shape": "triangle", width: 1.5, "font-size": 9, "min-zoomed-font-size": 8 }
        : { "curve-style": "haystack", "haystack-radius": 0, width: 1.5 } },
    ],
  }).zoom(0.1);
  await painted();
  return performance.now() - t0;
};
