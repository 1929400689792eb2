// Apollo Client: possibleTypes read from the server by introspection, and Relay pagination.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import { relayStylePagination } from "@apollo/client/utilities/index.js";
import { createHash } from "node:crypto"; // in a browser: crypto.subtle.digest("SHA-256", ...)

// Without possibleTypes, Apollo cannot tell that a `Standard` is an `Entity` (or a `Node`):
// fragments on an interface, such as `... on Entity { name }`, come back without their
// fields, silently.
export async function fetchPossibleTypes(endpoint) {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `{ __schema { types { kind name possibleTypes { name } } } }`,
    }),
  });
  const { data } = await res.json();
  const possibleTypes = {};
  for (const t of data.__schema.types) {
    if (t.possibleTypes) possibleTypes[t.name] = t.possibleTypes.map((p) => p.name);
  }
  return possibleTypes;
}

export function makeClient(endpoint, possibleTypes) {
  return new ApolloClient({
    link: new HttpLink({ uri: endpoint }),
    cache: new InMemoryCache({
      possibleTypes,
      typePolicies: {
        // Every connection field merges its pages; the key arguments keep distinct lists apart.
        Query: { fields: { entities: relayStylePagination(["kinds"]) } },
        // Every entity type's `relations`: a policy on the interface is inherited by its
        // implementations through possibleTypes.
        Entity: { fields: { relations: relayStylePagination(["relationTypes", "direction"]) } },
      },
    }),
  });
}

// Automatic persisted queries: the hash goes first, by GET (cacheable); on
// PERSISTED_QUERY_NOT_FOUND (a 400) the link resends the query text once, by POST.
export function makePersistedClient(endpoint, fetchFn = fetch) {
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: endpoint, fetch: fetchFn }),
  );
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

export const STANDARDS_OF_MAGNETS = gql`
  query StandardsOfMagnets {
    related(to: "application:defense-grade-magnets", kinds: [STANDARD], maxHops: 3, first: 5) {
      distance
      entity { id ... on Entity { name } ... on Standard { code } }
    }
  }
`;

export const MINERALS = gql`
  query Minerals($after: String) {
    entities(kinds: [MINERAL], first: 3, after: $after) {
      edges { cursor node { id name } }
      pageInfo { endCursor hasNextPage }
    }
  }
`;

export const RELATIONS = gql`
  query Relations($id: ID!, $after: String) {
    entity(id: $id) {
      id
      relations(first: 2, after: $after) {
        edges { cursor node { type to { id } } }
        pageInfo { endCursor hasNextPage }
      }
    }
  }
`;
