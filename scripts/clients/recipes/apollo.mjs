// Apollo Client: possibleTypes read from the server by introspection, and Relay pagination.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { relayStylePagination } from "@apollo/client/utilities/index.js";

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
      },
    }),
  });
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
