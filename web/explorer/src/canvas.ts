// The graph canvas: Cytoscape.js (Canvas 2D) with a layout of our own. A neighborhood is laid
// out in rings by hop distance from its start entity, each ring ordered by its parents' angles,
// which costs O(entities + relations) and is deterministic (a shared URL redraws the same
// picture). Entities added later (an expansion, a path) are placed around the entity they hang
// from; nodes already drawn never move.
import cytoscape from "cytoscape";
import type { Citation, EntityRef, Grade, Relation } from "./queries";
import { displayName } from "./queries";

/** Color and shape of each entity kind (the legend in the filters shows them). */
export const KIND_STYLE: Record<string, { color: string; shape: cytoscape.Css.NodeShape }> = {
  ORGANIZATION: { color: "#4e79a7", shape: "round-rectangle" },
  OFFICIAL: { color: "#f28e2b", shape: "ellipse" },
  EVENT: { color: "#e15759", shape: "diamond" },
  DIRECTIVE: { color: "#499894", shape: "tag" },
  STANDARD: { color: "#59a14f", shape: "rectangle" },
  STANDARD_BATCH: { color: "#8cd17d", shape: "barrel" },
  MINERAL: { color: "#d4a72c", shape: "hexagon" },
  APPLICATION: { color: "#b07aa1", shape: "star" },
  SUPPLY_CHAIN_STAGE: { color: "#ff9da7", shape: "rhomboid" },
  LOCATION: { color: "#9c755f", shape: "triangle" },
  SOURCE: { color: "#8a8480", shape: "cut-rectangle" },
};
const FALLBACK_STYLE = { color: "#777", shape: "ellipse" as cytoscape.Css.NodeShape };

/** What the canvas knows of a relation: the API's fields and, once fetched, its citations. */
export interface EdgeData {
  id: string;
  source: string;
  target: string;
  type: string;
  label: string;
  inverseLabel: string;
  grade: Grade;
  role: string | null;
  since: string | null;
  until: string | null;
  citations?: Citation[];
}

export interface NodeData {
  id: string;
  name: string;
  kind: string;
  code: string | null;
  label: string;
  /** The kind's color and shape (KIND_STYLE). */
  color: string;
  shape: cytoscape.Css.NodeShape;
}

/** One relation's id on the canvas: the API gives relations no id of their own. */
export function edgeId(r: { from: { id: string }; to: { id: string }; type: string }): string {
  return `${r.from.id}|${r.type}|${r.to.id}`;
}

const RING_GAP = 190;
const NODE_SPACING = 52;
/** Above this many relations, edges are drawn straight (cheaper than bezier curves). */
const STRAIGHT_EDGES_ABOVE = 400;
/** Above this many entities, labels are drawn only once the user zooms in to where they can
 * be read (below, measuring 1,000 labels and 2,000 edge labels costs the first paint seconds). */
const QUIET_ABOVE = 300;
/** Elements added per task when a large view is drawn. */
const SLICE = 250;
/** The zoom from which a quiet view draws its labels. */
const LABELS_FROM_ZOOM = 0.6;

type Point = { x: number; y: number };

export class Canvas {
  readonly cy: cytoscape.Core;
  private rootId: string | null = null;
  /** Whether labels wait for the user to zoom in (large views). */
  private quiet = false;
  /** Whether the elements carry the `quiet` class now. */
  private labelsQuiet = false;

  constructor(
    container: HTMLElement,
    handlers: { selectNode(id: string): void; selectEdge(id: string): void; expand(id: string): void },
  ) {
    this.cy = cytoscape({
      container,
      layout: { name: "preset" },
      minZoom: 0.02,
      maxZoom: 4,
      boxSelectionEnabled: false,
      selectionType: "single",
      style: this.style(),
    });
    this.cy.on("tap", "node", (event) => handlers.selectNode(event.target.id() as string));
    this.cy.on("tap", "edge", (event) => handlers.selectEdge(event.target.id() as string));
    this.cy.on("dbltap", "node", (event) => handlers.expand(event.target.id() as string));
    this.cy.on("zoom", () => this.updateLabels());
  }

  /** In a large view, labels are shown only at a zoom where they can be read. */
  private updateLabels(): void {
    const quiet = this.quiet && this.cy.zoom() < LABELS_FROM_ZOOM;
    if (quiet === this.labelsQuiet) return;
    this.labelsQuiet = quiet;
    this.cy.batch(() => this.cy.elements().toggleClass("quiet", quiet));
  }

  private style(): cytoscape.StylesheetJson {
    return [
      {
        selector: "node",
        style: {
          // Color and shape come with each node's data rather than from one rule per kind:
          // every rule is matched against every element, and a large view has thousands.
          "background-color": "data(color)",
          shape: "data(shape)" as cytoscape.Css.NodeShape,
          label: "data(label)",
          width: 26,
          height: 26,
          "font-size": 11,
          "font-family": "system-ui, sans-serif",
          color: "#1d2733",
          "text-valign": "bottom",
          "text-margin-y": 4,
          "text-wrap": "ellipsis",
          "text-max-width": "150px",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.75,
          "text-background-padding": "1px",
          "min-zoomed-font-size": 7,
          "border-width": 1,
          "border-color": "#ffffff",
        },
      },
      { selector: "node.root", style: { width: 38, height: 38, "border-width": 3, "border-color": "#1d2733", "font-weight": "bold" } },
      {
        selector: "edge",
        style: {
          width: 1.5,
          "line-color": "#9aa5b1",
          "target-arrow-color": "#9aa5b1",
          "target-arrow-shape": "triangle",
          "arrow-scale": 0.9,
          "curve-style": "bezier",
          label: "data(label)",
          "font-size": 9,
          color: "#4a5561",
          "text-rotation": "autorotate",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.8,
          "min-zoomed-font-size": 8,
        },
      },
      { selector: "edge.straight", style: { "curve-style": "straight" } },
      // Zoomed out on a large view, a node is a few pixels wide: plain colored dots and
      // center-to-center lines draw several times faster than shapes, arrows and labels, and
      // look the same. Zooming in brings them back (`updateLabels`).
      { selector: "node.quiet", style: { label: "", shape: "ellipse", "border-width": 0 } },
      { selector: "edge.quiet", style: { label: "", "curve-style": "haystack", "haystack-radius": 0, "target-arrow-shape": "none" } },
      { selector: 'edge[grade = "UNVERIFIED"]', style: { "line-style": "dashed" } },
      { selector: ".faded", style: { opacity: 0.18 } },
      { selector: "node.path", style: { "border-width": 4, "border-color": "#d81b60" } },
      {
        selector: "edge.path",
        style: { width: 3.5, "line-color": "#d81b60", "target-arrow-color": "#d81b60", color: "#8e0038", "font-size": 11 },
      },
      { selector: "node.quiet.path, node.quiet:selected", style: { label: "data(label)" } },
      {
        selector: "edge.quiet.path, edge.quiet:selected",
        style: { label: "data(label)", "curve-style": "straight", "target-arrow-shape": "triangle" },
      },
      { selector: "node:selected", style: { "overlay-color": "#1565c0", "overlay-opacity": 0.25, "overlay-padding": 6 } },
      { selector: "edge:selected", style: { "overlay-color": "#1565c0", "overlay-opacity": 0.25, "overlay-padding": 4 } },
      { selector: ".hidden", style: { display: "none" } },
    ];
  }

  get root(): string | null {
    return this.rootId;
  }

  has(id: string): boolean {
    return this.cy.getElementById(id).nonempty();
  }

  private nodeDefinition(e: EntityRef, position: Point): cytoscape.ElementDefinition {
    const { color, shape } = KIND_STYLE[e.kind] ?? FALLBACK_STYLE;
    const data: NodeData = { id: e.id, name: e.name, kind: e.kind, code: e.code ?? null, label: displayName(e), color, shape };
    return { group: "nodes", data, position: { ...position } };
  }

  private edgeDefinition(r: Relation): cytoscape.ElementDefinition {
    const data: EdgeData = {
      id: edgeId(r),
      source: r.from.id,
      target: r.to.id,
      type: r.type,
      label: r.label,
      inverseLabel: r.inverseLabel,
      grade: r.grade,
      role: r.role,
      since: r.since,
      until: r.until,
    };
    if (r.citations) data.citations = r.citations;
    return { group: "edges", data };
  }

  /** Adds relations whose two ends are drawn and which are not drawn yet; fills in citations
   * of drawn ones that lacked them. */
  private addRelations(relations: Relation[], drawnOnly = true): cytoscape.ElementDefinition[] {
    const seen = new Set<string>();
    const added: cytoscape.ElementDefinition[] = [];
    for (const r of relations) {
      const id = edgeId(r);
      if (seen.has(id)) continue;
      seen.add(id);
      const drawn = drawnOnly ? this.cy.getElementById(id) : this.cy.collection();
      if (drawn.nonempty()) {
        if (r.citations && !drawn.data("citations")) drawn.data("citations", r.citations);
        continue;
      }
      added.push(this.edgeDefinition(r));
    }
    return added;
  }

  /** Replaces the picture by a neighborhood of `root`, laid out in rings. A large one is added
   * in slices, one per task, so that no task keeps the page busy for long. */
  async show(root: string, entities: EntityRef[], relations: Relation[]): Promise<void> {
    this.rootId = root;
    this.quiet = entities.length > QUIET_ABOVE;
    this.labelsQuiet = this.quiet;
    const positions = ringLayout(root, entities, relations);
    const nodes = entities.map((e) => this.nodeDefinition(e, positions.get(e.id) ?? { x: 0, y: 0 }));
    const ids = new Set(entities.map((e) => e.id));
    const edges = this.addRelations(relations.filter((r) => ids.has(r.from.id) && ids.has(r.to.id)), false);
    // Classes are given at creation, so that the style is computed once.
    const straight = edges.length > STRAIGHT_EDGES_ABOVE;
    for (const n of nodes) n.classes = [n.data.id === root ? "root" : "", this.quiet ? "quiet" : ""].join(" ").trim();
    for (const e of edges) e.classes = [straight ? "straight" : "", this.quiet ? "quiet" : ""].join(" ").trim();
    if (!this.quiet) {
      this.cy.batch(() => {
        this.cy.elements().remove();
        this.cy.add(nodes);
        this.cy.add(edges);
      });
      this.fit();
      return;
    }
    // Each slice is styled in its own task while the canvas is out of the layout (so nothing is
    // painted in between); then one paint of the whole.
    const container = this.cy.container();
    this.cy.elements().remove();
    if (container) container.style.display = "none";
    const all = [...nodes, ...edges];
    try {
      for (let i = 0; i < all.length; i += SLICE) {
        this.cy.add(all.slice(i, i + SLICE));
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      if (container) container.style.display = "";
      this.cy.resize();
    }
    this.fit();
  }

  /** Adds `entities` not yet drawn around `anchor` (which must be drawn), and the relations
   * among drawn entities; returns how many entities were added. Drawn nodes do not move. */
  addAround(anchor: string, entities: EntityRef[], relations: Relation[]): number {
    const fresh = entities.filter((e) => e.id !== anchor && !this.has(e.id));
    const at = this.cy.getElementById(anchor);
    if (at.empty()) return 0;
    const positions = arcAround(at.position(), this.center(), fresh.length);
    this.cy.batch(() => {
      this.cy.add(fresh.map((e, i) => this.nodeDefinition(e, positions[i] ?? at.position())));
      this.cy.add(this.addRelations(relations.filter((r) => this.has(r.from.id) && this.has(r.to.id))));
      this.updateEdgeStyle();
    });
    return fresh.length;
  }

  /** Draws a path's entities and relations (adding what is missing next to the hop it hangs
   * from) and returns the ids of its nodes and edges. */
  addPath(hops: { from: EntityRef; to: EntityRef; relation: Relation }[]): { nodes: string[]; edges: string[]; added: boolean } {
    const before = this.cy.nodes().length;
    const nodes: string[] = [];
    const edges: string[] = [];
    for (const hop of hops) {
      for (const [entity, previous] of [
        [hop.from, hop.to],
        [hop.to, hop.from],
      ] as const) {
        if (!this.has(entity.id)) {
          if (this.has(previous.id)) {
            this.addAround(previous.id, [entity], []);
          } else {
            this.cy.add(this.nodeDefinition(entity, this.center()));
          }
        }
      }
      if (nodes.length === 0) nodes.push(hop.from.id);
      nodes.push(hop.to.id);
      this.cy.add(this.addRelations([hop.relation]));
      edges.push(edgeId(hop.relation));
    }
    this.updateEdgeStyle();
    return { nodes, edges, added: this.cy.nodes().length > before };
  }

  /** Fades everything but the given nodes and edges, which are marked as a path. */
  highlight(nodes: string[], edges: string[]): void {
    this.cy.batch(() => {
      this.cy.elements().removeClass("path faded");
      if (nodes.length === 0 && edges.length === 0) return;
      const keep = this.cy.collection();
      for (const id of [...nodes, ...edges]) keep.merge(this.cy.getElementById(id));
      keep.addClass("path");
      this.cy.elements().not(keep).addClass("faded");
    });
  }

  /** Hides entities of the given kinds and relations of the given types. */
  filter(hiddenKinds: Set<string>, hiddenTypes: Set<string>): void {
    const changed = this.cy.collection();
    const hide = (e: cytoscape.SingularElementArgument, hidden: boolean) => {
      if (e.hasClass("hidden") === hidden) return;
      e.toggleClass("hidden", hidden);
      changed.merge(e);
    };
    this.cy.batch(() => {
      this.cy.nodes().forEach((n) => hide(n, hiddenKinds.has(n.data("kind") as string) && n.id() !== this.rootId));
      this.cy.edges().forEach((e) => hide(e, hiddenTypes.has(e.data("type") as string)));
    });
    // Cytoscape applies a class's style lazily (at the next paint, or when the style is read)
    // but keeps answering `visible()` and `:visible` from a cache that only that application
    // clears: read the changed elements' style now, so that the status line and the exports
    // follow the filter at once rather than after the next frame.
    changed.forEach((e) => void e.style("display"));
  }

  select(id: string | null): void {
    this.cy.elements().unselect();
    if (id) this.cy.getElementById(id).select();
  }

  /** Fits the visible nodes into the canvas. Computed from node positions rather than with
   * `cy.fit()`, which measures every label first (most of a second for 1,000 entities). */
  fit(): void {
    const nodes = this.cy.nodes(":visible");
    if (nodes.empty()) return;
    let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
    nodes.forEach((n) => {
      const { x, y } = n.position();
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x);
      y2 = Math.max(y2, y);
    });
    // Room for a node and its label around the extreme positions.
    const margin = { x: 90, y: 40 };
    const width = x2 - x1 + 2 * margin.x;
    const height = y2 - y1 + 2 * margin.y;
    const zoom = Math.min(this.cy.maxZoom(), 1.5, Math.max(this.cy.minZoom(), Math.min(this.cy.width() / width, this.cy.height() / height)));
    this.cy.viewport({
      zoom,
      pan: { x: this.cy.width() / 2 - zoom * ((x1 + x2) / 2), y: this.cy.height() / 2 - zoom * ((y1 + y2) / 2) },
    });
    this.updateLabels();
  }

  /** The entities and relations visible now, relations with the citations known for them. */
  visible(): { entities: (NodeData & Point)[]; relations: EdgeData[] } {
    const entities = this.cy.nodes(":visible").map((n) => ({ ...(n.data() as NodeData), ...n.position() }));
    const relations = this.cy.edges(":visible").map((e) => ({ ...(e.data() as EdgeData) }));
    return { entities, relations };
  }

  node(id: string): NodeData | null {
    const n = this.cy.getElementById(id);
    return n.nonempty() && n.isNode() ? (n.data() as NodeData) : null;
  }

  edge(id: string): EdgeData | null {
    const e = this.cy.getElementById(id);
    return e.nonempty() && e.isEdge() ? (e.data() as EdgeData) : null;
  }

  setCitations(id: string, citations: Citation[]): void {
    this.cy.getElementById(id).data("citations", citations);
  }

  png(): Blob {
    return this.cy.png({ output: "blob", full: true, bg: "#ffffff", scale: 1, maxWidth: 4096, maxHeight: 4096 });
  }

  isEmpty(): boolean {
    return this.cy.nodes().empty();
  }

  private center(): Point {
    const root = this.rootId ? this.cy.getElementById(this.rootId) : null;
    if (root && root.nonempty()) return root.position();
    return { x: 0, y: 0 };
  }

  /** Keeps the edge shape and the quiet labels right after elements were added. */
  private updateEdgeStyle(): void {
    const straight = this.cy.edges().length > STRAIGHT_EDGES_ABOVE;
    this.cy.edges().toggleClass("straight", straight);
    this.cy.elements().toggleClass("quiet", this.labelsQuiet);
  }
}

/** Rings by hop distance from `root` (relations walked both ways), each ring ordered by the
 * angle of each entity's parent so that children sit near their parent. */
export function ringLayout(root: string, entities: EntityRef[], relations: Relation[]): Map<string, Point> {
  const adjacent = new Map<string, string[]>();
  for (const e of entities) adjacent.set(e.id, []);
  for (const r of relations) {
    adjacent.get(r.from.id)?.push(r.to.id);
    adjacent.get(r.to.id)?.push(r.from.id);
  }
  const order = new Map(entities.map((e, i) => [e.id, i]));
  const depth = new Map<string, number>([[root, 0]]);
  const parent = new Map<string, string>();
  const queue = [root];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head] as string;
    for (const next of adjacent.get(id) ?? []) {
      if (depth.has(next)) continue;
      depth.set(next, (depth.get(id) ?? 0) + 1);
      parent.set(next, id);
      queue.push(next);
    }
  }
  // Entities the walk did not reach (none, for a neighborhood) go on an outer ring.
  const outer = Math.max(0, ...depth.values()) + 1;
  const rings: string[][] = [];
  for (const e of entities) {
    const d = depth.get(e.id) ?? outer;
    (rings[d] ??= []).push(e.id);
  }
  const positions = new Map<string, Point>([[root, { x: 0, y: 0 }]]);
  const angle = new Map<string, number>([[root, 0]]);
  let radius = 0;
  for (let d = 1; d < rings.length; d++) {
    const ring = rings[d] ?? [];
    if (ring.length === 0) continue;
    radius = Math.max(radius + RING_GAP, (ring.length * NODE_SPACING) / (2 * Math.PI));
    ring.sort((a, b) => {
      const pa = angle.get(parent.get(a) ?? "") ?? 0;
      const pb = angle.get(parent.get(b) ?? "") ?? 0;
      return pa - pb || (order.get(a) ?? 0) - (order.get(b) ?? 0);
    });
    ring.forEach((id, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / ring.length;
      angle.set(id, a);
      positions.set(id, { x: radius * Math.cos(a), y: radius * Math.sin(a) });
    });
  }
  return positions;
}

/** `count` positions on an arc around `at`, facing away from `center`. */
export function arcAround(at: Point, center: Point, count: number): Point[] {
  if (count === 0) return [];
  const dx = at.x - center.x;
  const dy = at.y - center.y;
  const facing = dx === 0 && dy === 0 ? Math.PI / 2 : Math.atan2(dy, dx);
  const radius = Math.max(150, (count * NODE_SPACING) / Math.PI);
  const span = Math.min(2 * Math.PI, (count * NODE_SPACING) / radius);
  return Array.from({ length: count }, (_, i) => {
    const a = facing - span / 2 + (span * (i + 0.5)) / count;
    return { x: at.x + radius * Math.cos(a), y: at.y + radius * Math.sin(a) };
  });
}
