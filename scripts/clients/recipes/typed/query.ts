import { graphql, type ResultOf, type VariablesOf } from "./graphql.js";

export const EntityName = graphql(`
  query EntityName($id: ID!) {
    entity(id: $id) { id name ... on Standard { code } }
  }
`);

// The types follow the schema: `entity` is nullable, `code` exists only on a Standard.
export function label(result: ResultOf<typeof EntityName>): string {
  const e = result.entity;
  if (e === null) return "not found";
  return "code" in e && e.code ? `${e.code} ${e.name}` : e.name;
}

export const vars: VariablesOf<typeof EntityName> = { id: "standard:gb-t-13560-2017" };

export function noSuchField(result: ResultOf<typeof EntityName>) {
  // @ts-expect-error: `budget` is not a field of Entity, so the type checker refuses it.
  return result.entity?.budget;
}
