// Bundles the playground (src/main.jsx + GraphiQL's CSS) into one minified JS file and one CSS
// file in the directory given as the first argument, each with a gzipped copy (.gz) that the
// server sends to browsers that accept gzip. Run through scripts/web-build, which
// installs the exact packages of package-lock.json first. No source maps, no metafile: the
// output depends only on the inputs, never on the machine or the path it is built in.
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { gzipSync } from "node:zlib";

const outdir = process.argv[2];
if (!outdir) {
  console.error("usage: node build.mjs OUTDIR");
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
await build({
  absWorkingDir: here,
  entryPoints: { graphiql: "src/main.jsx" },
  outdir: path.resolve(outdir),
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
  // Licence texts of the bundled packages stay in the output, at its end.
  legalComments: "eof",
  charset: "utf8",
  sourcemap: false,
  logLevel: "warning",
});
// The gzipped copies: what they decompress to is checked by scripts/web-build --check, not
// their bytes, which may differ between zlib versions.
for (const name of ["graphiql.js", "graphiql.css"]) {
  const file = path.join(path.resolve(outdir), name);
  writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
}
