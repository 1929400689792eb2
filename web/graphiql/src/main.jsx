// The GraphiQL playground reegraph serves at GET /. Bundled by scripts/web-build into
// src/http/assets/ and embedded in the binary, so the page needs nothing but its own origin.
// The example tabs are not in this bundle: the server puts them into the page as a JSON data
// block (id "reegraph-examples"), so they live beside the Rust code that tests them.
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import "./page.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

function examples() {
  const block = document.getElementById("reegraph-examples");
  if (!block) return [];
  return JSON.parse(block.textContent).map((query) => ({ query }));
}

const root = document.getElementById("graphiql");
const fetcher = createGraphiQLFetcher({ url: new URL("/graphql", window.location.origin).toString() });
createRoot(root).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultTabs={examples()} defaultEditorToolsVisibility={true} />
  </StrictMode>,
);
