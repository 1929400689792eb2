// The GraphQL documents the explorer sends, and the shapes of their answers. Every document is
// a plain query against the public schema (schema/reegraph.graphql); nothing here is private to
// the explorer.

declare const __ATTRIBUTE_FRAGMENTS__: string;
declare const __ENTITY_KINDS__: string[];
declare const __RELATION_TYPES__: string[];

/** The entity kinds, in the schema's order (read from the SDL at build time). */
export const ENTITY_KINDS: readonly string[] = __ENTITY_KINDS__;
/** The relation types, in the schema's order (read from the SDL at build time). */
export const RELATION_TYPES: readonly string[] = __RELATION_TYPES__;

export type Grade = "VERIFIED" | "VERIFIED_SECONDARY" | "DERIVED" | "REPORTED" | "UNVERIFIED";

export interface EntityRef {
  id: string;
  name: string;
  kind: string;
  code?: string | null;
}

export interface Citation {
  grade: Grade;
  quote: string | null;
  note: string | null;
  source: { id: string; name: string };
}

export interface Relation {
  type: string;
  label: string;
  inverseLabel: string;
  grade: Grade;
  role: string | null;
  since: string | null;
  until: string | null;
  from: { id: string };
  to: { id: string };
  /** Absent when the document did not ask for them (large neighborhoods). */
  citations?: Citation[];
}

export interface Subgraph {
  truncated: boolean;
  entities: EntityRef[];
  relations: Relation[];
}

export interface Hop {
  forward: boolean;
  reading: string;
  from: EntityRef;
  to: EntityRef;
  relation: Relation;
}

export interface Path {
  length: number;
  explanation: string;
  hops: Hop[];
}

export interface RelatedResult {
  distance: number;
  entity: EntityRef;
  path: Path;
}

export interface EntityDetail extends EntityRef {
  description: string | null;
  aliases: string[];
  citations: Citation[];
  relations: {
    totalCount: number;
    nodes: (Omit<Relation, "from" | "to" | "citations"> & { from: EntityRef; to: EntityRef })[];
  };
  /** The typed attributes of its kind, as the schema names them. */
  [attribute: string]: unknown;
}

const CITATION = "citations { grade quote note source { id name } }";
const ENTITY_REF = "id name kind ... on Standard { code }";
const RELATION_FIELDS = "type label inverseLabel grade role since until from { id } to { id }";

/** Largest neighborhood whose relations are fetched with their citations (the server's cost
 * estimate refuses much more); larger ones fetch citations when an edge is selected. */
export const CITED_NEIGHBORHOOD_LIMIT = 500;

export function neighborhoodDocument(withCitations: boolean): string {
  return `query ExplorerNeighborhood($id: ID!, $depth: Int!, $limit: Int!) {
  neighborhood(id: $id, depth: $depth, limit: $limit) {
    truncated
    entities { ${ENTITY_REF} }
    relations { ${RELATION_FIELDS}${withCitations ? ` ${CITATION}` : ""} }
  }
}`;
}

export const SEARCH = `query ExplorerSearch($q: String!) {
  search(query: $q, first: 12) { score entity { ${ENTITY_REF} aliases } }
}`;

export const ENTITY = `query ExplorerEntity($id: ID!) {
  entity(id: $id) {
    ${ENTITY_REF} description aliases ${CITATION}
    ${__ATTRIBUTE_FRAGMENTS__}
    relations(first: 100) {
      totalCount
      nodes { type label inverseLabel grade role since until from { ${ENTITY_REF} } to { ${ENTITY_REF} } }
    }
  }
}`;

/** The citations of the relations of one type leaving one entity (for an edge drawn without). */
export const EDGE_CITATIONS = `query ExplorerEdgeCitations($id: ID!, $types: [RelationType!]) {
  entity(id: $id) {
    relations(relationTypes: $types, direction: OUTGOING, first: 100) {
      nodes { to { id } ${CITATION} }
    }
  }
}`;

const HOPS = `hops { forward reading from { ${ENTITY_REF} } to { ${ENTITY_REF} } relation { ${RELATION_FIELDS} ${CITATION} } }`;

export const RELATED = `query ExplorerRelated($to: ID!, $kinds: [EntityKind!]!, $maxHops: Int!) {
  related(to: $to, kinds: $kinds, maxHops: $maxHops, first: 25) {
    distance
    entity { ${ENTITY_REF} }
    path { length explanation ${HOPS} }
  }
}`;

export const PATHS = `query ExplorerPaths($from: ID!, $to: ID!, $maxHops: Int!) {
  paths(from: $from, to: $to, maxHops: $maxHops, first: 5) { length explanation ${HOPS} }
}`;

/** A display label: a standard's code before its name when it has one. */
export function displayName(e: EntityRef): string {
  return e.code && !e.name.includes(e.code) ? `${e.code} ${e.name}` : e.name;
}
