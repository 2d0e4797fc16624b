// Builds the editor's script (CodeMirror 6 and the wiki's own editing code) into the
// package's static files, where it is committed: installing masterywiki needs no node.
//
//   node frontend/build.mjs           write src/masterywiki/static/editor.js
//   node frontend/build.mjs --check   exit 1 when the committed file is not what the
//                                     sources and package-lock.json make (a test runs it)
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src", "masterywiki", "static", "editor.js");
const banner =
  "/* masterywiki's editor: CodeMirror 6 (MIT, codemirror.net) and frontend/editor/.\n" +
  "   Built by frontend/build.mjs from package-lock.json; do not edit by hand. */";

const result = await build({
  entryPoints: [join(root, "frontend", "editor", "main.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none",
  banner: { js: banner },
  write: false,
  logLevel: "error",
});
const built = result.outputFiles[0].text;

if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(out, "utf8");
  } catch {
    committed = "";
  }
  if (committed !== built) {
    console.error(`${out} is out of date: run \`npm run build:editor\` and commit it.`);
    process.exit(1);
  }
  console.log(`${out} is up to date (${built.length} bytes).`);
} else {
  writeFileSync(out, built);
  console.log(`wrote ${out} (${built.length} bytes)`);
}
