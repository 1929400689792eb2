// The graphql-js peer of reegraph for scripts/bench-http/run: the stock Node stack
// (graphql-js + graphql-http's createHandler on Node's `http` module, one process) serving the
// subset of reegraph's schema that the benchmark queries use, over the same data
// (exported to JSON by scripts/bench-http/export.py).
//
//   node server.mjs --bind 127.0.0.1:9001 --data /tmp/export.json
//
// Semantics follow reegraph's src/graph/traverse.rs closely, so answers match in size and work:
// - neighborhood: the same layered BFS, limit, truncated flag and relation order.
// - paths: the same algorithm (BFS distances from the target, then a depth-first enumeration
//   of loop-free paths of each length from the shortest up), so the same paths come back.
// - related: the same layered BFS both ways, never through a SOURCE or an entity whose degree
//   exceeds maxIntermediateDegree (default hubDegree = max(16, 4 × ceil(2E/N))), the same
//   specificity cost (summed ln(1 + degree) of intermediates) and tie-breaks (name, then data
//   order), and the same traversal budget (20000 visited entities, LIMIT_EXCEEDED).
// - search: NOT reegraph's ranked, accent- and typo-tolerant index: a simple case-insensitive
//   match over name, aliases and standard code (exact 1.0, prefix 0.9, substring 0.7, every
//   query token a substring 0.5), best first, ties by name.
// - Only the fields the benchmark selects exist (Entity: id kind name aliases description
//   citations, Standard.code/title); no Node interface, typed relationship fields, Relay
//   connections, document limits (size/depth/complexity) or response cache.

import fs from 'node:fs';
import http from 'node:http';
import { buildSchema, GraphQLError } from 'graphql';
import { createHandler } from 'graphql-http/lib/use/http';

const TRAVERSAL_BUDGET = 20000;
const MAX = { first: 100, depth: 4, limit: 1000, maxHops: 6 };

function parseArgs(argv) {
  const out = { bind: '127.0.0.1:4000', data: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--bind') out.bind = argv[++i];
    else if (argv[i] === '--data') out.data = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!out.data) throw new Error('usage: server.mjs --bind HOST:PORT --data EXPORT.json');
  return out;
}

const args = parseArgs(process.argv.slice(2));
const exported = JSON.parse(fs.readFileSync(args.data, 'utf8'));

// ---------------------------------------------------------------------------------------------
// The graph: entities and relations linked once at startup.
// ---------------------------------------------------------------------------------------------

const entities = exported.entities.map((e, index) => ({
  __typename: e.typename,
  index,
  id: e.id,
  kind: e.kind,
  name: e.name,
  aliases: e.aliases,
  description: e.description ?? null,
  citations: null, // linked below
  code: e.details.code ?? null,
  title: e.details.title ?? null,
  out: [], // relation indices where it is `from`, in data order
  in: [], // relation indices where it is `to`, in data order
  nameRank: 0,
}));
const byId = new Map(entities.map((e) => [e.id, e]));

function linkCitations(list) {
  return list.map((c) => ({
    source: byId.get(c.source),
    quote: c.quote ?? null,
    grade: c.grade,
    note: c.note ?? null,
  }));
}

for (const [i, e] of exported.entities.entries()) entities[i].citations = linkCitations(e.citations);

const readings = exported.relationTypes ?? {};
const relations = [];
for (const r of exported.relations) {
  const from = byId.get(r.from);
  const to = byId.get(r.to);
  if (!from || !to) continue;
  const reading = readings[r.type] ?? { label: r.type, inverseLabel: r.type };
  const rel = {
    index: relations.length,
    type: r.type,
    from,
    to,
    label: reading.label,
    inverseLabel: reading.inverseLabel,
    role: r.role ?? null,
    since: r.since ?? null,
    until: r.until ?? null,
    citations: linkCitations(r.citations),
  };
  relations.push(rel);
  from.out.push(rel.index);
  to.in.push(rel.index);
}

// Rust compares names as UTF-8 bytes; rank them once that way.
{
  const sorted = [...entities].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  sorted.forEach((e, rank) => {
    e.nameRank = rank;
  });
}

const degree = (e) => e.out.length + e.in.length;
const meanDegree = entities.length ? Math.ceil((2 * relations.length) / entities.length) : 0;
const hubDegree = Math.max(16, 4 * meanDegree);

/** The relations at `e` passing `types` (null = all): outgoing first, each side in data order. */
function incident(e, types, direction) {
  const items = [];
  if (direction !== 'INCOMING') {
    for (const ri of e.out) {
      const r = relations[ri];
      if (!types || types.has(r.type)) items.push({ relation: r, outgoing: true, other: r.to });
    }
  }
  if (direction !== 'OUTGOING') {
    for (const ri of e.in) {
      const r = relations[ri];
      if (!types || types.has(r.type)) items.push({ relation: r, outgoing: false, other: r.from });
    }
  }
  return items;
}

class Meter {
  constructor() {
    this.visited = 0;
  }
  visit() {
    this.visited += 1;
    if (this.visited > TRAVERSAL_BUDGET) {
      throw limitError(
        `the traversal visited ${TRAVERSAL_BUDGET} entities, its work budget; narrow relationTypes or lower maxHops`,
      );
    }
  }
}

function limitError(message) {
  return new GraphQLError(message, { extensions: { code: 'LIMIT_EXCEEDED' } });
}

function check(name, value, max) {
  if (value < 0 || value > max) {
    throw limitError(`\`${name}\` is ${value}, outside its range 0..=${max}`);
  }
  return value;
}

function resolve(id) {
  const e = byId.get(id);
  if (!e) throw new GraphQLError(`no entity has id \`${id}\``, { extensions: { code: 'NOT_FOUND' } });
  return e;
}

const typeSet = (list) => (list == null ? null : new Set(list));

// ---------------------------------------------------------------------------------------------
// Answer objects (graphql-js default resolvers read properties and call methods).
// ---------------------------------------------------------------------------------------------

class Hop {
  constructor(relation, from, to, forward) {
    this.relation = relation;
    this.from = from;
    this.to = to;
    this.forward = forward;
  }
  reading() {
    return this.forward ? this.relation.label : this.relation.inverseLabel;
  }
}

class Path {
  constructor(entities, hops) {
    this.entities = entities;
    this.hops = hops;
  }
  length() {
    return this.hops.length;
  }
  relations() {
    return this.hops.map((h) => h.relation);
  }
  explanation() {
    let out = this.entities.length ? this.entities[0].name : '';
    for (const h of this.hops) out += ` —${h.reading()}→ ${h.to.name}`;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Traversals (mirroring src/graph/traverse.rs).
// ---------------------------------------------------------------------------------------------

function neighborhood(start, depth, types, direction, limit) {
  const meter = { visited: 0 };
  const sub = { entities: [], relations: [], truncated: false };
  if (limit === 0) {
    sub.truncated = true;
    return sub;
  }
  const included = new Set([start]);
  const seen = new Set();
  sub.entities.push(start);
  let frontier = [start];
  layers: for (let d = 0; d < depth; d++) {
    const next = [];
    for (const node of frontier) {
      meter.visited += 1;
      if (meter.visited > TRAVERSAL_BUDGET) {
        sub.truncated = true;
        break layers;
      }
      for (const inc of incident(node, types, direction)) {
        if (!included.has(inc.other)) {
          if (sub.entities.length >= limit) {
            sub.truncated = true;
            continue;
          }
          included.add(inc.other);
          sub.entities.push(inc.other);
          next.push(inc.other);
        }
        if (!seen.has(inc.relation)) {
          seen.add(inc.relation);
          sub.relations.push(inc.relation);
        }
      }
    }
    if (next.length === 0) break;
    frontier = next;
  }
  return sub;
}

function distances(origin, maxDepth, types, meter) {
  const dist = new Map([[origin, 0]]);
  const queue = [origin];
  for (let qi = 0; qi < queue.length; qi++) {
    const node = queue[qi];
    const d = dist.get(node);
    if (d >= maxDepth) continue;
    meter.visit();
    for (const inc of incident(node, types, 'BOTH')) {
      if (!dist.has(inc.other)) {
        dist.set(inc.other, d + 1);
        queue.push(inc.other);
      }
    }
  }
  return dist;
}

function paths(from, to, maxHops, types, first) {
  if (first === 0) return [];
  if (from === to) return [new Path([from], [])];
  const meter = new Meter();
  const toTarget = distances(to, maxHops, types, meter);
  const shortest = toTarget.get(from);
  if (shortest === undefined) return [];
  const found = [];
  for (let length = shortest; length <= maxHops; length++) {
    const ents = [from];
    const hops = [];
    const onPath = new Set([from]);
    const extend = (node) => {
      if (found.length >= first) return;
      if (node === to) {
        if (hops.length === length) found.push(new Path([...ents], [...hops]));
        return;
      }
      meter.visit();
      const remaining = length - hops.length;
      for (const inc of incident(node, types, 'BOTH')) {
        const d = toTarget.get(inc.other);
        if (d === undefined || !(d < remaining) || onPath.has(inc.other)) continue;
        onPath.add(inc.other);
        ents.push(inc.other);
        hops.push(new Hop(inc.relation, node, inc.other, inc.outgoing));
        extend(inc.other);
        hops.pop();
        ents.pop();
        onPath.delete(inc.other);
        if (found.length >= first) break;
      }
    };
    extend(from);
    if (found.length >= first) break;
  }
  return found;
}

function related(to, kinds, maxHops, types, first, maxIntermediateDegree) {
  const meter = new Meter();
  const reached = new Map([[to, { distance: 0, cost: 0, via: null }]]);
  let layer = [to];
  let results = [];
  for (let distance = 1; distance <= maxHops; distance++) {
    if (first === 0 || results.length >= first) break;
    const next = [];
    for (const node of layer) {
      const passable =
        node === to || (node.kind !== 'SOURCE' && degree(node) <= maxIntermediateDegree);
      if (!passable) continue;
      meter.visit();
      const through = node === to ? 0 : reached.get(node).cost + Math.log(1 + degree(node));
      for (const inc of incident(node, types, 'BOTH')) {
        const r = reached.get(inc.other);
        if (r) {
          if (r.distance === distance && through < r.cost) {
            r.cost = through;
            r.via = { prev: node, inc };
          }
        } else {
          reached.set(inc.other, { distance, cost: through, via: { prev: node, inc } });
          next.push(inc.other);
        }
      }
    }
    const found = next.filter((k) => kinds.size === 0 || kinds.has(k.kind));
    found.sort(
      (a, b) =>
        reached.get(a).cost - reached.get(b).cost || a.nameRank - b.nameRank || a.index - b.index,
    );
    results = results.concat(found);
    layer = next;
  }
  return results.slice(0, first).map((entity) => {
    const hops = [];
    let at = entity;
    for (let via = reached.get(at).via; via; via = reached.get(at).via) {
      hops.push(new Hop(via.inc.relation, via.prev, at, via.inc.outgoing));
      at = via.prev;
    }
    hops.reverse();
    const r = reached.get(entity);
    return {
      entity,
      distance: r.distance,
      specificityCost: r.cost,
      path: new Path([to, ...hops.map((h) => h.to)], hops),
    };
  });
}

// Simple search: see the header comment.
const norm = (s) => s.toLowerCase();
const searchable = entities.map((e) => ({
  entity: e,
  keys: [e.name, ...e.aliases, ...(e.code ? [e.code] : [])].map(norm),
}));

function search(query, kinds, first) {
  const q = norm(query.trim());
  if (!q) return [];
  const tokens = q.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const hits = [];
  for (const { entity, keys } of searchable) {
    if (kinds.size && !kinds.has(entity.kind)) continue;
    let score = 0;
    for (const key of keys) {
      let s = 0;
      if (key === q) s = 1;
      else if (key.startsWith(q)) s = 0.9;
      else if (key.includes(q)) s = 0.7;
      else if (tokens.length && tokens.every((t) => key.includes(t))) s = 0.5;
      if (s > score) score = s;
    }
    if (score > 0) hits.push({ entity, score });
  }
  hits.sort((a, b) => b.score - a.score || a.entity.nameRank - b.entity.nameRank);
  return hits.slice(0, first);
}

// ---------------------------------------------------------------------------------------------
// Schema and root resolvers.
// ---------------------------------------------------------------------------------------------

const KINDS = [
  ['Organization', 'ORGANIZATION'],
  ['Official', 'OFFICIAL'],
  ['Event', 'EVENT'],
  ['Directive', 'DIRECTIVE'],
  ['Standard', 'STANDARD'],
  ['StandardBatch', 'STANDARD_BATCH'],
  ['Mineral', 'MINERAL'],
  ['Application', 'APPLICATION'],
  ['SupplyChainStage', 'SUPPLY_CHAIN_STAGE'],
  ['Location', 'LOCATION'],
  ['Source', 'SOURCE'],
];
const RELATION_TYPES = [
  'PART_OF', 'ADMINISTERS', 'AFFILIATED_WITH', 'ISSUED', 'ANNOUNCED_AT', 'ORGANIZED',
  'PARTICIPATED_IN', 'LOCATED_IN', 'TARGETS', 'CONCERNS', 'INCLUDED_IN', 'COMPOSED_OF',
  'PRODUCED_FROM', 'USED_IN', 'PRODUCED_AT', 'PRECEDES', 'RESTRICTS', 'PUBLISHED_BY',
  'REPORTS_ON', 'HOLDS_SECRETARIAT_OF', 'MIRROR_OF', 'ACTIVE_IN',
];
const COMMON_FIELDS = `
  id: ID!
  kind: EntityKind!
  name: String!
  aliases: [String!]!
  description: String
  citations: [Citation!]!`;

const sdl = `
enum EntityKind { ${KINDS.map(([, k]) => k).join(' ')} }
enum RelationType { ${RELATION_TYPES.join(' ')} }
enum VerificationGrade { VERIFIED VERIFIED_SECONDARY REPORTED UNVERIFIED }
enum Direction { OUTGOING INCOMING BOTH }

interface Entity {${COMMON_FIELDS}
}
${KINDS.map(
  ([t]) =>
    `type ${t} implements Entity {${COMMON_FIELDS}${t === 'Standard' ? '\n  code: String\n  title: String' : ''}\n}`,
).join('\n')}

type Citation { source: Entity! quote: String grade: VerificationGrade! note: String }
type Relation {
  type: RelationType!
  from: Entity!
  to: Entity!
  label: String!
  inverseLabel: String!
  role: String
  since: String
  until: String
  citations: [Citation!]!
}
type Hop { relation: Relation! from: Entity! to: Entity! forward: Boolean! reading: String! }
type Path { length: Int! entities: [Entity!]! relations: [Relation!]! hops: [Hop!]! explanation: String! }
type Subgraph { entities: [Entity!]! relations: [Relation!]! truncated: Boolean! }
type RelatedEntity { distance: Int! entity: Entity! path: Path! specificityCost: Float! }
type SearchHit { entity: Entity! score: Float! }

type Query {
  entity(id: ID!): Entity
  search(query: String!, kinds: [EntityKind!], first: Int! = 10): [SearchHit!]!
  neighborhood(id: ID!, depth: Int! = 1, relationTypes: [RelationType!], direction: Direction! = BOTH, limit: Int! = 200): Subgraph!
  paths(from: ID!, to: ID!, maxHops: Int! = 4, relationTypes: [RelationType!], first: Int! = 3): [Path!]!
  related(to: ID!, kinds: [EntityKind!]!, maxHops: Int! = 3, relationTypes: [RelationType!], first: Int! = 20, maxIntermediateDegree: Int): [RelatedEntity!]!
}
`;

const schema = buildSchema(sdl);

const rootValue = {
  entity: ({ id }) => byId.get(id) ?? null,
  search: ({ query, kinds, first }) => {
    check('first', first, MAX.first);
    if ([...query].length > 200) {
      throw limitError('`query` is longer than its maximum of 200 characters');
    }
    return search(query, new Set(kinds ?? []), first);
  },
  neighborhood: ({ id, depth, relationTypes, direction, limit }) => {
    check('depth', depth, MAX.depth);
    check('limit', limit, MAX.limit);
    return neighborhood(resolve(id), depth, typeSet(relationTypes), direction, limit);
  },
  paths: ({ from, to, maxHops, relationTypes, first }) => {
    check('maxHops', maxHops, MAX.maxHops);
    check('first', first, MAX.first);
    return paths(resolve(from), resolve(to), maxHops, typeSet(relationTypes), first);
  },
  related: ({ to, kinds, maxHops, relationTypes, first, maxIntermediateDegree }) => {
    check('maxHops', maxHops, MAX.maxHops);
    check('first', first, MAX.first);
    const hub = maxIntermediateDegree ?? hubDegree;
    if (hub < 0) throw limitError('`maxIntermediateDegree` must not be negative');
    return related(resolve(to), new Set(kinds), maxHops, typeSet(relationTypes), first, hub);
  },
};

const handler = createHandler({ schema, rootValue });

const server = http.createServer((req, res) => {
  const path = req.url.split('?', 1)[0];
  if (path === '/graphql') {
    handler(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  } else if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else {
    res.writeHead(404).end();
  }
});
server.keepAliveTimeout = 65_000;

const sep = args.bind.lastIndexOf(':');
const host = args.bind.slice(0, sep);
const port = Number(args.bind.slice(sep + 1));
server.listen(port, host, () => {
  const addr = server.address();
  console.error(
    `graphql-js peer: ${entities.length} entities, ${relations.length} relations, hubDegree ${hubDegree}; listening on http://${addr.address}:${addr.port}`,
  );
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
