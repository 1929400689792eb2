// urql: a client with the fetch exchange; errors arrive as result.error (a CombinedError).
import { Client, cacheExchange, fetchExchange, gql } from "@urql/core";

export function makeClient(endpoint) {
  return new Client({
    url: endpoint,
    exchanges: [cacheExchange, fetchExchange],
    // GET for queries, so responses carry ETag and Cache-Control.
    preferGetMethod: true,
  });
}

export const SEARCH = gql`
  query Search($text: String!) {
    search(query: $text, first: 3) { score entity { id name kind } }
  }
`;
