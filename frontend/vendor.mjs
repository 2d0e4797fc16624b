// Copies the browser libraries the wiki serves (KaTeX for math, mermaid for diagrams)
// from node_modules into src/masterywiki/static/vendor/, where they are committed, so
// that `pip install .` needs no node and no page loads anything from a CDN.
//
//   node frontend/vendor.mjs          write the copies (npm run vendor)
//   node frontend/vendor.mjs --check  exit 1 if the committed copies differ
import { readFileSync, readdirSync, mkdirSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const out = join(root, "src", "masterywiki", "static", "vendor");

function files(folder, suffix) {
  return readdirSync(join(modules, folder)).filter((name) => name.endsWith(suffix)).sort();
}

function read(path) {
  return readFileSync(join(modules, path));
}

// Browsers that run these scripts all read woff2: the woff and ttf copies would only
// weigh on the repository, so the stylesheet names woff2 alone.
function woff2Only(css) {
  return Buffer.from(
    css.toString("utf8").replace(/,url\([^)]*\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)/g, ""),
  );
}

// { path under vendor/: contents }
function wanted() {
  const copies = new Map();
  const katex = "katex/dist";
  copies.set("katex/katex.min.js", read(`${katex}/katex.min.js`));
  copies.set("katex/katex.min.css", woff2Only(read(`${katex}/katex.min.css`)));
  for (const font of files(`${katex}/fonts`, ".woff2")) {
    copies.set(`katex/fonts/${font}`, read(`${katex}/fonts/${font}`));
  }
  copies.set("katex/LICENSE", read("katex/LICENSE"));
  // The ES module build: the core, and each kind of diagram in its own chunk, imported
  // only when a page draws one (the one-file build is 950 KB gzipped).
  const mermaid = "mermaid/dist";
  copies.set("mermaid/mermaid.esm.min.mjs", read(`${mermaid}/mermaid.esm.min.mjs`));
  const chunks = `${mermaid}/chunks/mermaid.esm.min`;
  for (const chunk of files(chunks, ".mjs")) {
    copies.set(`mermaid/chunks/mermaid.esm.min/${chunk}`, read(`${chunks}/${chunk}`));
  }
  copies.set("mermaid/LICENSE", read("mermaid/LICENSE"));
  const versions = ["katex", "mermaid"].map((name) => {
    const { version } = JSON.parse(read(`${name}/package.json`));
    return `${name} ${version}\n`;
  });
  copies.set("VERSIONS", Buffer.from(versions.join("")));
  return copies;
}

function present(folder = out, found = new Map()) {
  if (!existsSync(folder)) return found;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) present(path, found);
    else found.set(relative(out, path).split("\\").join("/"), readFileSync(path));
  }
  return found;
}

const copies = wanted();
if (process.argv.includes("--check")) {
  const have = present();
  const differ = [];
  for (const [path, data] of copies) {
    if (!have.has(path)) differ.push(`missing: ${path}`);
    else if (!have.get(path).equals(data)) differ.push(`changed: ${path}`);
  }
  for (const path of have.keys()) if (!copies.has(path)) differ.push(`extra: ${path}`);
  if (differ.length) {
    console.error(`static/vendor/ is out of date (run npm run vendor):\n${differ.join("\n")}`);
    process.exit(1);
  }
  console.log(`static/vendor/ matches node_modules (${copies.size} files)`);
} else {
  rmSync(out, { recursive: true, force: true });
  for (const [path, data] of copies) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), data);
  }
  console.log(`wrote ${copies.size} files to ${relative(root, out)}`);
}
