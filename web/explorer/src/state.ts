// The view's state and its URL: everything needed to redraw the same view in a fresh page
// (the entity in view, what is selected, the mode, depth, expansions, filters, and the
// Related and Paths questions) lives in the query string of /explore.

export type Mode = "details" | "related" | "paths";

export interface ViewState {
  /** The entity whose neighborhood is drawn. */
  entity: string | null;
  /** The selected entity id, or relation id (`from|TYPE|to`). */
  selected: string | null;
  mode: Mode;
  depth: number;
  /** Most entities in the neighborhood (the API's `limit`). */
  limit: number;
  /** Entities expanded after the neighborhood was drawn, in order. */
  expanded: string[];
  hiddenKinds: Set<string>;
  hiddenTypes: Set<string>;
  relatedKinds: string[];
  relatedHops: number;
  /** The Related result whose path is highlighted. */
  relatedPick: string | null;
  pathsTo: string | null;
  pathsHops: number;
}

export const DEFAULT_LIMIT = 150;

export function defaultState(): ViewState {
  return {
    entity: null,
    selected: null,
    mode: "details",
    depth: 1,
    limit: DEFAULT_LIMIT,
    expanded: [],
    hiddenKinds: new Set(),
    hiddenTypes: new Set(),
    relatedKinds: ["STANDARD"],
    relatedHops: 3,
    relatedPick: null,
    pathsTo: null,
    pathsHops: 4,
  };
}

function int(value: string | null, min: number, max: number, fallback: number): number {
  const n = value === null ? NaN : Number.parseInt(value, 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

function list(value: string | null): string[] {
  return value ? value.split(",").filter((s) => s.length > 0) : [];
}

export function readUrl(search: string): ViewState {
  const p = new URLSearchParams(search);
  const d = defaultState();
  const mode = p.get("m");
  return {
    entity: p.get("e"),
    selected: p.get("s"),
    mode: mode === "related" || mode === "paths" ? mode : "details",
    depth: int(p.get("d"), 1, 4, d.depth),
    limit: int(p.get("n"), 1, 1000, d.limit),
    expanded: list(p.get("x")),
    hiddenKinds: new Set(list(p.get("hk"))),
    hiddenTypes: new Set(list(p.get("ht"))),
    relatedKinds: p.has("rk") ? list(p.get("rk")) : d.relatedKinds,
    relatedHops: int(p.get("rh"), 1, 6, d.relatedHops),
    relatedPick: p.get("rp"),
    pathsTo: p.get("pt"),
    pathsHops: int(p.get("ph"), 1, 6, d.pathsHops),
  };
}

export function writeUrl(s: ViewState): string {
  const d = defaultState();
  const p = new URLSearchParams();
  if (s.entity) p.set("e", s.entity);
  if (s.selected) p.set("s", s.selected);
  if (s.mode !== "details") p.set("m", s.mode);
  if (s.depth !== d.depth) p.set("d", String(s.depth));
  if (s.limit !== d.limit) p.set("n", String(s.limit));
  if (s.expanded.length > 0) p.set("x", s.expanded.join(","));
  if (s.hiddenKinds.size > 0) p.set("hk", [...s.hiddenKinds].join(","));
  if (s.hiddenTypes.size > 0) p.set("ht", [...s.hiddenTypes].join(","));
  if (s.relatedKinds.join(",") !== d.relatedKinds.join(",")) p.set("rk", s.relatedKinds.join(","));
  if (s.relatedHops !== d.relatedHops) p.set("rh", String(s.relatedHops));
  if (s.relatedPick) p.set("rp", s.relatedPick);
  if (s.pathsTo) p.set("pt", s.pathsTo);
  if (s.pathsHops !== d.pathsHops) p.set("ph", String(s.pathsHops));
  const text = p.toString();
  return text ? `?${text}` : "";
}
