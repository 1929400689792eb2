// The explorer's only way to the data: the public GraphQL API, over GET, so the browser's HTTP
// cache and the server's ETags work for it (docs/clients.md). Every failure becomes an ApiError
// whose message is a sentence a user can read; nothing is swallowed.

/** One GraphQL error as the server words it. */
export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

/** A failed request, worded for the user. */
export class ApiError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = "ApiError";
    this.code = code;
  }
}

/** Where the API is: the same origin as the page. */
const ENDPOINT = "/graphql";

/**
 * Runs a query with GET and returns its `data`. A response with errors is a failure (the
 * explorer's queries ask for nothing that may partly fail); its first error's message and code
 * are what the user reads.
 */
export async function query<T>(document: string, variables: Record<string, unknown>): Promise<T> {
  const params = new URLSearchParams({ query: document, variables: JSON.stringify(variables) });
  let response: Response;
  try {
    response = await fetch(`${ENDPOINT}?${params.toString()}`, {
      headers: { accept: "application/graphql-response+json, application/json" },
    });
  } catch (error) {
    throw new ApiError(`Could not reach the server (${error instanceof Error ? error.message : String(error)}).`);
  }
  let body: { data?: T | null; errors?: GraphQLErrorBody[] } | undefined;
  const text = await response.text();
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const first = body?.errors?.[0];
  if (first) {
    const code = first.extensions?.code;
    const where = first.path ? ` at ${first.path.join(".")}` : "";
    throw new ApiError(
      `The server refused the request${where}: ${first.message}${code ? ` (${code})` : ""}.`,
      code,
    );
  }
  if (!response.ok) {
    const detail = text.trim().slice(0, 200);
    throw new ApiError(`The server answered HTTP ${response.status}${detail ? `: ${detail}` : ""}.`);
  }
  if (body?.data === undefined || body.data === null) {
    throw new ApiError("The server's answer held no data.");
  }
  return body.data;
}
