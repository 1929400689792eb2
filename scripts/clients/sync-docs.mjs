// Copies each recipe file into docs/clients.md, in the fenced block after its
// `<!-- recipe: PATH -->` marker (PATH relative to scripts/clients/). test.mjs fails when they
// differ; run `node scripts/clients/sync-docs.mjs` after editing a recipe.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const guide = join(here, "..", "..", "docs", "clients.md");
const text = readFileSync(guide, "utf8").replace(
  /<!-- recipe: (\S+) -->\n```(\w*)\n[\s\S]*?```\n/g,
  (_, file, lang) => `<!-- recipe: ${file} -->\n\`\`\`${lang}\n${readFileSync(join(here, file), "utf8")}\`\`\`\n`,
);
writeFileSync(guide, text);
