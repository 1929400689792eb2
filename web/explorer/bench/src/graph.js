// A seeded random graph shaped like a neighborhood: a tree from node 0 plus random extra edges,
// and the explorer's kind of layout (rings by hop distance), which costs O(n).
export function makeGraph(n, m, seed = 7) {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const nodes = [];
  const edges = [];
  const depth = [0];
  for (let i = 0; i < n; i++) nodes.push({ id: `n${i}`, label: `Entity ${i}`, kind: i % 10 });
  for (let i = 1; i < n; i++) {
    const p = Math.floor(rnd() * Math.min(i, 1 + i / 3));
    depth[i] = depth[p] + 1;
    edges.push({ id: `e${edges.length}`, source: `n${p}`, target: `n${i}`, label: "relates to" });
  }
  while (edges.length < m) {
    const a = Math.floor(rnd() * n);
    const b = Math.floor(rnd() * n);
    if (a !== b) edges.push({ id: `e${edges.length}`, source: `n${a}`, target: `n${b}`, label: "relates to" });
  }
  return { nodes, edges, depth };
}

export function rings(g) {
  const byDepth = new Map();
  g.nodes.forEach((_, i) => {
    const d = g.depth[i];
    if (!byDepth.has(d)) byDepth.set(d, []);
    byDepth.get(d).push(i);
  });
  const pos = [];
  let r = 0;
  for (const [d, list] of [...byDepth].sort((a, b) => a[0] - b[0])) {
    r = d === 0 ? 0 : Math.max(r + 190, (list.length * 52) / (2 * Math.PI));
    list.forEach((i, k) => {
      const a = (2 * Math.PI * k) / list.length;
      pos[i] = { x: r * Math.cos(a), y: r * Math.sin(a) };
    });
  }
  return pos;
}

/** Resolves after two painted frames. */
export const painted = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
