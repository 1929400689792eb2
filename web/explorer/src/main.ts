// The explorer at /explore: a search box, a canvas with the neighborhood of one entity, and a
// side panel that explains what is selected (attributes, citations, relations) and answers the
// Related and Paths questions. The view's state lives in the URL (state.ts); every datum comes
// from the public GraphQL API over GET (api.ts).
import { ApiError, query } from "./api";
import { Canvas, KIND_STYLE } from "./canvas";
import { download, toGraphml, toJson } from "./exports";
import {
  CITED_NEIGHBORHOOD_LIMIT,
  EDGE_CITATIONS,
  ENTITY,
  ENTITY_KINDS,
  PATHS,
  RELATED,
  displayName,
  neighborhoodDocument,
} from "./queries";
import type { Citation, EntityDetail, Grade, Path, RelatedResult, Subgraph } from "./queries";
import { readUrl, writeUrl } from "./state";
import type { Mode, ViewState } from "./state";
import { Typeahead } from "./typeahead";

/** The headline question: defense-grade magnets, and the standards within 3 hops. */
const HEADLINE = { entity: "application:defense-grade-magnets", kinds: ["STANDARD"], hops: 3 };

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** `document.createElement` with a class and children (strings become text). */
function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  for (const child of children) if (child !== null && child !== undefined) e.append(child);
  return e;
}

const GRADE_TEXT: Record<Grade, string> = {
  VERIFIED: "Verified: read in the cited primary source",
  VERIFIED_SECONDARY: "Verified on a secondary or mirror site",
  DERIVED: "Derived: computed from the facts the citation quotes",
  REPORTED: "Reported by one outlet, not independently verified",
  UNVERIFIED: "Unverified: no source found",
};

function gradeBadge(grade: Grade): HTMLElement {
  const badge = make("span", `grade grade-${grade}`, grade.replace("_", " ").toLowerCase());
  badge.title = GRADE_TEXT[grade];
  return badge;
}

function kindBadge(kind: string): HTMLElement {
  const badge = make("span", "kind", make("span", `swatch shape-${KIND_STYLE[kind]?.shape ?? "ellipse"}`), kind.replace(/_/g, " ").toLowerCase());
  const swatch = badge.firstElementChild as HTMLElement;
  swatch.style.backgroundColor = KIND_STYLE[kind]?.color ?? "#777";
  return badge;
}

function citationList(citations: Citation[]): HTMLElement {
  const list = make("ul", "citations");
  for (const c of citations) {
    const item = make("li", "citation", gradeBadge(c.grade));
    if (c.quote) item.append(make("blockquote", "quote", c.quote));
    else item.append(make("p", "quote missing", "(no quote)"));
    item.append(make("p", "source", "Source: ", make("span", "source-name", c.source.name)));
    if (c.note) item.append(make("p", "note", c.note));
    list.append(item);
  }
  if (citations.length === 0) list.append(make("li", "hint", "No citation."));
  return list;
}

/** One drawing of a neighborhood: its size, how long the API took, how long the layout and
 * the first paint took after the answer arrived, and when it was on screen (ms since the
 * navigation started). */
type Timing = { what: string; entities: number; relations: number; fetchMs: number; drawMs: number; endedAt: number };

class Explorer {
  private state: ViewState = readUrl(location.search);
  private readonly canvas: Canvas;
  private readonly pathsTo: Typeahead;
  private busy = 0;
  private rootName = "";
  private truncated = false;
  private relatedResults: RelatedResult[] = [];
  private pathsResults: Path[] = [];
  readonly timings: Timing[] = [];

  constructor() {
    this.canvas = new Canvas(element("canvas"), {
      selectNode: (id) => void this.selectEntity(id, true),
      selectEdge: (id) => void this.selectEdge(id),
      expand: (id) => void this.expand(id),
    });
    new Typeahead(
      element("search"),
      "Search entities",
      (e) => void this.open(e.id),
      (error) => this.showError(error),
    );
    this.pathsTo = new Typeahead(
      element("paths-to"),
      "Search the other entity",
      (e) => {
        this.state.pathsTo = e.id;
        this.save();
      },
      (error) => this.showError(error),
    );
    this.wire();
    void this.restore();
  }

  // ---- wiring -------------------------------------------------------------------------

  private wire(): void {
    for (const id of ["headline", "landing-headline"]) {
      element(id).addEventListener("click", () => void this.headline());
    }
    element<HTMLSelectElement>("depth").addEventListener("change", (event) => {
      this.state.depth = Number((event.target as HTMLSelectElement).value);
      this.state.expanded = [];
      void this.reload();
    });
    element("fit").addEventListener("click", () => this.canvas.fit());
    for (const mode of ["details", "related", "paths"] as Mode[]) {
      element(`tab-${mode}`).addEventListener("click", () => this.setMode(mode));
    }
    element("tab-details").parentElement?.addEventListener("keydown", (event) => {
      const order: Mode[] = ["details", "related", "paths"];
      const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (step === 0) return;
      const next = order[(order.indexOf(this.state.mode) + step + order.length) % order.length] ?? "details";
      this.setMode(next);
      element(`tab-${next}`).focus();
    });
    element("related-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.state.relatedPick = null;
      void this.runRelated();
    });
    element("paths-form").addEventListener("submit", (event) => {
      event.preventDefault();
      void this.runPaths();
    });
    element<HTMLSelectElement>("related-hops").addEventListener("change", (event) => {
      this.state.relatedHops = Number((event.target as HTMLSelectElement).value);
      this.save();
    });
    element<HTMLSelectElement>("paths-hops").addEventListener("change", (event) => {
      this.state.pathsHops = Number((event.target as HTMLSelectElement).value);
      this.save();
    });
    element("export-png").addEventListener("click", () => download(this.canvas.png(), `${this.fileStem()}.png`));
    element("export-json").addEventListener("click", () =>
      download(
        new Blob([toJson(this.canvas.visible(), location.href, this.state.entity)], { type: "application/json" }),
        `${this.fileStem()}.json`,
      ),
    );
    element("export-graphml").addEventListener("click", () =>
      download(new Blob([toGraphml(this.canvas.visible())], { type: "application/graphml+xml" }), `${this.fileStem()}.graphml`),
    );
    window.addEventListener("popstate", () => {
      this.state = readUrl(location.search);
      void this.restore();
    });
    this.renderKindPicks();
  }

  private fileStem(): string {
    return `reegraph-${(this.state.entity ?? "view").replace(/[^a-z0-9-]+/gi, "-")}`;
  }

  /** Runs `work` with the busy marker up (`body[data-busy]` counts operations under way), and
   * shows its failure in words. */
  private async task<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
    this.busy++;
    document.body.dataset.busy = String(this.busy);
    element("status").textContent = `${what}…`;
    try {
      const result = await work();
      this.hideError();
      return result;
    } catch (error) {
      this.showError(error instanceof ApiError ? error : new ApiError(`Something went wrong: ${String(error)}`));
      return undefined;
    } finally {
      this.busy--;
      document.body.dataset.busy = String(this.busy);
      this.updateStatus();
    }
  }

  private showError(error: ApiError): void {
    const alert = element("alert");
    alert.textContent = error.message;
    alert.hidden = false;
  }

  private hideError(): void {
    element("alert").hidden = true;
  }

  private updateStatus(): void {
    if (this.busy > 0) return;
    const { entities, relations } = this.canvas.visible();
    element("status").textContent = this.canvas.isEmpty()
      ? ""
      : `${entities.length} entities · ${relations.length} relations in view`;
  }

  /** Writes the state into the URL (a new history entry when the entity in view changes). */
  private save(push = false): void {
    const url = `${location.pathname}${writeUrl(this.state)}`;
    if (push) history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  }

  // ---- state from the URL -------------------------------------------------------------

  /** Redraws the view the URL describes: neighborhood, expansions, filters, question, selection. */
  private async restore(): Promise<void> {
    const s = this.state;
    element<HTMLSelectElement>("depth").value = String(s.depth);
    element<HTMLSelectElement>("related-hops").value = String(s.relatedHops);
    element<HTMLSelectElement>("paths-hops").value = String(s.pathsHops);
    this.renderKindPicks();
    this.showMode();
    if (!s.entity) {
      element("landing").hidden = false;
      return;
    }
    const drawn = await this.drawRoot(s.entity);
    if (!drawn) return;
    for (const id of s.expanded) await this.expandOnce(id);
    if (s.mode === "related" && s.relatedKinds.length > 0) await this.runRelated();
    if (s.mode === "paths" && s.pathsTo) {
      const to = await this.task("Loading", () => query<{ entity: EntityDetail | null }>(ENTITY, { id: s.pathsTo }));
      this.pathsTo.set(to?.entity ?? null);
      await this.runPaths();
    }
    this.applyFilters();
    if (s.selected) {
      if (s.selected.includes("|")) await this.selectEdge(s.selected);
      else await this.selectEntity(s.selected);
    }
  }

  // ---- the canvas ---------------------------------------------------------------------

  /** Makes `id` the entity in view: its neighborhood, selected, in the details mode. */
  private async open(id: string): Promise<void> {
    const s = this.state;
    s.entity = id;
    s.selected = id;
    s.expanded = [];
    s.relatedPick = null;
    this.relatedResults = [];
    this.pathsResults = [];
    element("related-results").replaceChildren();
    element("paths-results").replaceChildren();
    this.save(true);
    if (await this.drawRoot(id)) await this.selectEntity(id);
  }

  private async reload(): Promise<void> {
    this.save();
    if (this.state.entity) await this.drawRoot(this.state.entity);
  }

  private async drawRoot(id: string): Promise<boolean> {
    const { depth, limit } = this.state;
    const withCitations = limit <= CITED_NEIGHBORHOOD_LIMIT;
    const result = await this.task("Loading the neighborhood", async () => {
      const started = performance.now();
      const data = await query<{ neighborhood: Subgraph }>(neighborhoodDocument(withCitations), { id, depth, limit });
      const fetched = performance.now();
      const { entities, relations, truncated } = data.neighborhood;
      element("landing").hidden = true;
      await this.canvas.show(id, entities, relations);
      this.applyFilters();
      await nextFrames();
      const painted = performance.now();
      this.timings.push({
        what: "neighborhood",
        entities: entities.length,
        relations: relations.length,
        fetchMs: fetched - started,
        drawMs: painted - fetched,
        endedAt: painted,
      });
      this.truncated = truncated;
      this.rootName = displayName(entities[0] ?? { id, name: id, kind: "" });
      for (const e of document.querySelectorAll(".root-name")) e.textContent = this.rootName;
      this.renderTypeFilters();
      this.showNotice();
      for (const b of document.querySelectorAll<HTMLButtonElement>(".exports button")) b.disabled = false;
      return true;
    });
    return result === true;
  }

  private showNotice(): void {
    const notice = element("notice");
    notice.hidden = !this.truncated;
    notice.textContent = this.truncated
      ? `Truncated: this neighborhood has more than the ${this.state.limit} entities shown (the server's limit or work budget stopped it). ` +
        "Choose a smaller depth, filter, or expand single entities to see more."
      : "";
  }

  private async expand(id: string): Promise<void> {
    const added = await this.expandOnce(id);
    if (added !== undefined) {
      this.state.expanded.push(id);
      this.save();
    }
  }

  /** Adds `id`'s neighbors (one hop) around it; returns how many entities were added. */
  private async expandOnce(id: string): Promise<number | undefined> {
    return this.task("Expanding", async () => {
      const data = await query<{ neighborhood: Subgraph }>(neighborhoodDocument(true), { id, depth: 1, limit: 100 });
      const added = this.canvas.addAround(id, data.neighborhood.entities, data.neighborhood.relations);
      this.applyFilters();
      this.renderTypeFilters();
      if (data.neighborhood.truncated) {
        const notice = element("notice");
        notice.hidden = false;
        notice.textContent = `Truncated: ${displayName(data.neighborhood.entities[0] ?? { id, name: id, kind: "" })} has more neighbors than the 100 added.`;
      }
      return added;
    });
  }

  // ---- filters ------------------------------------------------------------------------

  private applyFilters(): void {
    this.canvas.filter(this.state.hiddenKinds, this.state.hiddenTypes);
    this.updateStatus();
  }

  private checkbox(label: Node | string, checked: boolean, change: (checked: boolean) => void, value: string): HTMLElement {
    const input = make("input");
    input.type = "checkbox";
    input.checked = checked;
    input.value = value;
    input.addEventListener("change", () => change(input.checked));
    return make("label", "check", input, label);
  }

  private renderKindPicks(): void {
    const kinds = element("kind-filters");
    kinds.replaceChildren(
      ...ENTITY_KINDS.map((kind) =>
        this.checkbox(kindBadge(kind), !this.state.hiddenKinds.has(kind), (on) => {
          if (on) this.state.hiddenKinds.delete(kind);
          else this.state.hiddenKinds.add(kind);
          this.applyFilters();
          this.save();
        }, kind),
      ),
    );
    const picks = element("related-kinds");
    picks.replaceChildren(
      ...ENTITY_KINDS.filter((k) => k !== "SOURCE").map((kind) =>
        this.checkbox(kindBadge(kind), this.state.relatedKinds.includes(kind), (on) => {
          const set = new Set(this.state.relatedKinds);
          if (on) set.add(kind);
          else set.delete(kind);
          this.state.relatedKinds = ENTITY_KINDS.filter((k) => set.has(k));
          this.save();
        }, kind),
      ),
    );
  }

  private renderTypeFilters(): void {
    const present = new Set([...this.canvas.cy.edges().map((e) => e.data("type") as string), ...this.state.hiddenTypes]);
    element("type-filters").replaceChildren(
      ...[...present].sort().map((type) =>
        this.checkbox(type.replace(/_/g, " ").toLowerCase(), !this.state.hiddenTypes.has(type), (on) => {
          if (on) this.state.hiddenTypes.delete(type);
          else this.state.hiddenTypes.add(type);
          this.applyFilters();
          this.save();
        }, type),
      ),
    );
  }

  // ---- modes --------------------------------------------------------------------------

  private setMode(mode: Mode): void {
    this.state.mode = mode;
    this.showMode();
    if (mode === "details") this.canvas.highlight([], []);
    else if (mode === "related") this.highlightRelated();
    else this.highlightPaths(null);
    this.save();
  }

  private showMode(): void {
    for (const mode of ["details", "related", "paths"] as Mode[]) {
      const on = mode === this.state.mode;
      element(`tab-${mode}`).setAttribute("aria-selected", String(on));
      element(`tab-${mode}`).tabIndex = on ? 0 : -1;
      element(`panel-${mode}`).hidden = !on;
    }
  }

  private async headline(): Promise<void> {
    const s = this.state;
    s.relatedKinds = [...HEADLINE.kinds];
    s.relatedHops = HEADLINE.hops;
    s.mode = "related";
    s.hiddenKinds.clear();
    s.hiddenTypes.clear();
    s.depth = 1;
    this.renderKindPicks();
    element<HTMLSelectElement>("related-hops").value = String(s.relatedHops);
    element<HTMLSelectElement>("depth").value = "1";
    this.showMode();
    await this.open(HEADLINE.entity);
    s.mode = "related";
    this.showMode();
    await this.runRelated();
  }

  // ---- details ------------------------------------------------------------------------

  /** Shows `id` in the Details panel; a click on the canvas also brings that panel to the
   * front (keeping any highlighted path on the canvas). */
  private async selectEntity(id: string, clicked = false): Promise<void> {
    this.state.selected = id;
    this.canvas.select(id);
    if (clicked && this.state.mode !== "details") {
      this.state.mode = "details";
      this.showMode();
    }
    this.save();
    const data = await this.task("Loading the entity", () => query<{ entity: EntityDetail | null }>(ENTITY, { id }));
    if (!data) return;
    const panel = element("panel-details");
    if (!data.entity) {
      panel.replaceChildren(make("p", "hint", `No entity has the id ${id}.`));
      return;
    }
    panel.replaceChildren(this.entityDetails(data.entity));
  }

  private entityDetails(e: EntityDetail): HTMLElement {
    const box = make("article", "details");
    box.dataset.id = e.id;
    box.append(make("h2", undefined, displayName(e)), kindBadge(e.kind));
    const actions = make("div", "actions");
    if (e.id !== this.state.entity) {
      const explore = make("button", undefined, "Explore from here");
      explore.type = "button";
      explore.addEventListener("click", () => void this.open(e.id));
      actions.append(explore);
    }
    if (this.canvas.has(e.id)) {
      const expand = make("button", "expand", "Expand neighbors");
      expand.type = "button";
      expand.addEventListener("click", () => void this.expand(e.id));
      actions.append(expand);
    }
    box.append(actions);
    if (e.description) box.append(make("p", "description", e.description));
    const attributes = make("dl", "attributes");
    const standard = new Set(["id", "name", "kind", "description", "aliases", "citations", "relations"]);
    for (const [key, value] of Object.entries(e)) {
      if (standard.has(key) || value === null || value === undefined) continue;
      if (Array.isArray(value) && value.length === 0) continue;
      const text = Array.isArray(value)
        ? value.map((v) => (typeof v === "object" && v !== null ? Object.values(v).join(": ") : String(v))).join("; ")
        : String(value);
      attributes.append(make("dt", undefined, key.replace(/^[A-Za-z]+_/, "")), make("dd", undefined, text));
    }
    attributes.prepend(make("dt", undefined, "id"), make("dd", "id", e.id));
    box.append(attributes);
    if (e.aliases.length > 0) box.append(make("h3", undefined, "Aliases"), make("p", "aliases", e.aliases.join(" · ")));
    box.append(make("h3", undefined, "Citations"), citationList(e.citations));
    box.append(make("h3", undefined, `Relations (${e.relations.totalCount})`));
    const relations = make("ul", "relations");
    for (const r of e.relations.nodes) {
      const outgoing = r.from.id === e.id;
      const other = outgoing ? r.to : r.from;
      const go = make("button", "link", displayName(other));
      go.type = "button";
      go.addEventListener("click", () => {
        if (this.canvas.has(other.id)) void this.selectEntity(other.id);
        else void this.open(other.id);
      });
      relations.append(make("li", undefined, outgoing ? `${r.label} → ` : `${r.inverseLabel} ← `, go, " ", gradeBadge(r.grade)));
    }
    if (e.relations.totalCount > e.relations.nodes.length) {
      relations.append(make("li", "hint", `… and ${e.relations.totalCount - e.relations.nodes.length} more`));
    }
    box.append(relations);
    return box;
  }

  private async selectEdge(id: string): Promise<void> {
    this.state.selected = id;
    this.canvas.select(id);
    this.save();
    const edge = this.canvas.edge(id);
    const panel = element("panel-details");
    if (!edge) {
      panel.replaceChildren(make("p", "hint", "That relation is not in view."));
      return;
    }
    if (!edge.citations) {
      const data = await this.task("Loading citations", () =>
        query<{ entity: { relations: { nodes: { to: { id: string }; citations: Citation[] }[] } } | null }>(EDGE_CITATIONS, {
          id: edge.source,
          types: [edge.type],
        }),
      );
      const found = data?.entity?.relations.nodes.find((n) => n.to.id === edge.target);
      if (found) this.canvas.setCitations(id, found.citations);
    }
    const known = this.canvas.edge(id) ?? edge;
    const from = this.canvas.node(known.source);
    const to = this.canvas.node(known.target);
    const box = make("article", "details edge");
    box.dataset.id = id;
    box.append(
      make("h2", undefined, `${from?.label ?? known.source} —${known.label}→ ${to?.label ?? known.target}`),
      make("p", undefined, "Relation ", make("code", undefined, known.type), " ", gradeBadge(known.grade)),
    );
    const facts = make("dl", "attributes");
    for (const [key, value] of [
      ["role", known.role],
      ["since", known.since],
      ["until", known.until],
    ] as const) {
      if (value) facts.append(make("dt", undefined, key), make("dd", undefined, value));
    }
    box.append(facts, make("h3", undefined, "Citations"), citationList(known.citations ?? []));
    panel.replaceChildren(box);
    if (this.state.mode !== "details") {
      this.state.mode = "details";
      this.showMode();
    }
  }

  // ---- Related ------------------------------------------------------------------------

  private async runRelated(): Promise<void> {
    const s = this.state;
    const list = element("related-results");
    if (!s.entity) {
      list.replaceChildren(make("li", "hint", "Open an entity first (search above)."));
      return;
    }
    if (s.relatedKinds.length === 0) {
      list.replaceChildren(make("li", "hint", "Pick at least one kind."));
      return;
    }
    this.save();
    const data = await this.task("Finding related entities", () =>
      query<{ related: RelatedResult[] }>(RELATED, { to: s.entity, kinds: s.relatedKinds, maxHops: s.relatedHops }),
    );
    if (!data) return;
    this.relatedResults = data.related;
    list.replaceChildren();
    if (data.related.length === 0) list.append(make("li", "hint", `Nothing of these kinds within ${s.relatedHops} hops.`));
    for (const r of data.related) {
      const button = make(
        "button",
        "result",
        make("span", "distance", `${r.distance} hop${r.distance === 1 ? "" : "s"}`),
        " ",
        make("span", "name", displayName(r.entity)),
      );
      button.type = "button";
      button.dataset.id = r.entity.id;
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => {
        s.relatedPick = r.entity.id;
        this.save();
        this.highlightRelated();
      });
      const item = make("li", undefined, button, make("p", "explanation", r.path.explanation));
      item.dataset.id = r.entity.id;
      list.append(item);
    }
    this.highlightRelated();
  }

  /** Draws the picked result's path, highlights it and lists its hops with citations. */
  private highlightRelated(): void {
    const pick = this.relatedResults.find((r) => r.entity.id === this.state.relatedPick);
    for (const item of element("related-results").querySelectorAll<HTMLLIElement>("li[data-id]")) {
      const on = item.dataset.id === this.state.relatedPick;
      item.classList.toggle("picked", on);
      item.querySelector("button")?.setAttribute("aria-pressed", String(on));
      item.querySelector(".hops")?.remove();
      if (on && pick) item.append(this.hopList(pick.path));
    }
    if (!pick) {
      this.canvas.highlight([], []);
      return;
    }
    const drawn = this.canvas.addPath(pick.path.hops);
    this.applyFilters();
    this.canvas.highlight(drawn.nodes, drawn.edges);
    if (drawn.added) this.canvas.fit();
  }

  private hopList(path: Path): HTMLElement {
    const list = make("ol", "hops");
    for (const hop of path.hops) {
      list.append(
        make(
          "li",
          "hop",
          make("p", "reading", `${displayName(hop.from)} —${hop.reading}→ ${displayName(hop.to)} `, gradeBadge(hop.relation.grade)),
          citationList(hop.relation.citations ?? []),
        ),
      );
    }
    return list;
  }

  // ---- Paths --------------------------------------------------------------------------

  private async runPaths(): Promise<void> {
    const s = this.state;
    const list = element("paths-results");
    if (!s.entity || !s.pathsTo) {
      list.replaceChildren(make("li", "hint", "Open an entity, then pick the other end of the paths."));
      return;
    }
    this.save();
    const data = await this.task("Finding paths", () =>
      query<{ paths: Path[] }>(PATHS, { from: s.entity, to: s.pathsTo, maxHops: s.pathsHops }),
    );
    if (!data) return;
    this.pathsResults = data.paths;
    list.replaceChildren();
    if (data.paths.length === 0) list.append(make("li", "hint", `No path of at most ${s.pathsHops} hops.`));
    data.paths.forEach((path, i) => {
      const button = make("button", "result", make("span", "distance", `${path.length} hop${path.length === 1 ? "" : "s"}`), ` Path ${i + 1}`);
      button.type = "button";
      button.addEventListener("click", () => this.highlightPaths(i));
      list.append(make("li", "path-result", button, make("p", "explanation", path.explanation), this.hopList(path)));
    });
    this.highlightPaths(null);
  }

  /** Draws the paths found and highlights one of them, or all. */
  private highlightPaths(only: number | null): void {
    const nodes: string[] = [];
    const edges: string[] = [];
    let added = false;
    this.pathsResults.forEach((path, i) => {
      const drawn = this.canvas.addPath(path.hops);
      added ||= drawn.added;
      if (only === null || only === i) {
        nodes.push(...drawn.nodes);
        edges.push(...drawn.edges);
      }
    });
    this.applyFilters();
    this.canvas.highlight(nodes, edges);
    if (added) this.canvas.fit();
  }
}

/** Resolves after the browser has painted twice (so what was drawn is on screen). */
function nextFrames(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}

declare global {
  interface Window {
    /** Read-only hooks for the end-to-end tests and measurements (scripts/browser). */
    reegraphExplorer?: {
      nodes(): { id: string; kind: string; x: number; y: number; rx: number; ry: number; visible: boolean; path: boolean }[];
      edges(): { id: string; visible: boolean; path: boolean }[];
      zoom(): number;
      timings: Timing[];
    };
  }
}

const explorer = new Explorer();
window.reegraphExplorer = {
  nodes: () =>
    explorer["canvas"].cy.nodes().map((n) => ({
      id: n.id(),
      kind: n.data("kind") as string,
      x: n.position("x"),
      y: n.position("y"),
      rx: n.renderedPosition().x,
      ry: n.renderedPosition().y,
      visible: n.visible(),
      path: n.hasClass("path"),
    })),
  edges: () => explorer["canvas"].cy.edges().map((e) => ({ id: e.id(), visible: e.visible(), path: e.hasClass("path") })),
  zoom: () => explorer["canvas"].cy.zoom(),
  timings: explorer.timings,
};
