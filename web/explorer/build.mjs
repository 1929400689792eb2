// Type-checks (tsc --noEmit) and bundles the explorer (src/main.ts, Cytoscape.js and
// src/explorer.css) into explorer.js and explorer.css in the directory given as the first
// argument, each with a gzipped copy (.gz) that the server sends to browsers that accept gzip,
// plus explorer.html, the page. Run through scripts/web-build, which installs the exact packages
// of package-lock.json first. No source maps, no metafile: the output depends only on the
// inputs, never on the machine or the path it is built in.
//
// The entity kinds and each kind's typed attributes (the scalar and enum fields of the object
// types implementing Entity) are read from the committed SDL, schema/reegraph.graphql, so the
// side panel shows every typed attribute and a schema change shows up as a stale bundle in
// `scripts/web-build --check`.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { gzipSync } from "node:zlib";
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isObjectType,
  isScalarType,
} from "graphql";

const outdir = process.argv[2];
if (!outdir) {
  console.error("usage: node build.mjs OUTDIR");
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(outdir);

// Type errors fail the build.
try {
  execFileSync(process.execPath, [path.join(here, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", here], {
    stdio: "inherit",
  });
} catch {
  console.error("web/explorer: the TypeScript does not type-check (tsc --noEmit)");
  process.exit(1);
}

const schema = buildSchema(readFileSync(path.join(here, "../../schema/reegraph.graphql"), "utf8"));
const kinds = schema.getType("EntityKind").getValues().map((v) => v.name);
const relationTypes = schema.getType("RelationType").getValues().map((v) => v.name);

/** The selection of a field's value, or null when it is not an attribute. */
function attributeSelection(type) {
  const named = getNamedType(type);
  if (isScalarType(named) || isEnumType(named)) return "";
  // A small object of scalars (Mineral.classifications): select all of it.
  if (isObjectType(named) && !named.getInterfaces().some((i) => i.name === "Node")) {
    const fields = Object.values(named.getFields());
    if (fields.every((f) => { const n = getNamedType(f.type); return isScalarType(n) || isEnumType(n); })) {
      return ` { ${fields.map((f) => f.name).join(" ")} }`;
    }
  }
  return null;
}
const shown = new Set(["id", "name", "kind", "description", "aliases"]);
const shapes = new Map();
const fragments = [];
for (const type of Object.values(schema.getTypeMap())) {
  if (!isObjectType(type) || !type.getInterfaces().some((i) => i.name === "Entity")) continue;
  const fields = [];
  for (const field of Object.values(type.getFields())) {
    if (shown.has(field.name) || field.args.length > 0) continue;
    const selection = attributeSelection(field.type);
    if (selection === null) continue;
    // GraphQL refuses two fields of one response name with different shapes, even on different
    // types: such a field gets an alias, `Type_field`, which the panel shows as `field`.
    const shape = String(field.type);
    const seen = shapes.get(field.name);
    if (seen === undefined) shapes.set(field.name, shape);
    const alias = seen !== undefined && seen !== shape ? `${type.name}_${field.name}: ` : "";
    fields.push(`${alias}${field.name}${selection}`);
  }
  if (fields.length > 0) fragments.push(`... on ${type.name} { ${fields.join(" ")} }`);
}
fragments.sort();


await build({
  absWorkingDir: here,
  entryPoints: { explorer: "src/main.ts" },
  outdir: out,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  define: {
    __ENTITY_KINDS__: JSON.stringify(kinds),
    __RELATION_TYPES__: JSON.stringify(relationTypes),
    __ATTRIBUTE_FRAGMENTS__: JSON.stringify(fragments.join(" ")),
  },
  loader: { ".css": "css" },
  // Licence texts of the bundled packages stay in the output, at its end.
  legalComments: "eof",
  charset: "utf8",
  sourcemap: false,
  logLevel: "warning",
});
await build({
  absWorkingDir: here,
  entryPoints: { explorer: "src/explorer.css" },
  outdir: out,
  bundle: true,
  minify: true,
  charset: "utf8",
  logLevel: "warning",
});
copyFileSync(path.join(here, "src/explorer.html"), path.join(out, "explorer.html"));
// The gzipped copies: what they decompress to is checked by scripts/web-build --check, not
// their bytes, which may differ between zlib versions.
for (const name of ["explorer.js", "explorer.css"]) {
  const file = path.join(out, name);
  writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
}
