// gql.tada: typed documents from the committed SDL (no server, no network).
import { initGraphQLTada } from "gql.tada";
import type { introspection } from "./graphql-env.js";

export const graphql = initGraphQLTada<{ introspection: introspection }>();
export type { ResultOf, VariablesOf } from "gql.tada";
