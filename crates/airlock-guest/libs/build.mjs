// Bundles the pinned npm packages a script can import into one ES module each (dist/NAME.js),
// with their licenses (dist/licenses/) and a manifest (dist/manifest.json) the guest embeds.
// Run through scripts/libs.sh, which installs package-lock.json's exact versions first.
//
//   node build.mjs NODE_MODULES_DIR OUT_DIR
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [modulesDir, outDir] = process.argv.slice(2);
if (!modulesDir || !outDir) {
  console.error('usage: node build.mjs NODE_MODULES_DIR OUT_DIR');
  process.exit(2);
}
// esbuild comes from the same install as the packages.
const { build } = createRequire(path.resolve(modulesDir, 'x.js'))('esbuild');

// name: what a script imports. pkg: the npm package bundled. entry: the module's exports.
// require: what `require(name)` returns, as in Node: the default export or the namespace.
// about: one line for the prompt and the declarations.
const LIBS = [
  {
    name: 'lodash', pkg: 'lodash-es', license: 'LICENSE', require: 'default',
    entry: 'export * from "lodash-es"; export { default } from "lodash-es";',
    about: 'lodash: `import _ from "lodash"` or named imports (groupBy, sortBy, chunk, debounce, ...)',
  },
  {
    name: 'date-fns', pkg: 'date-fns', license: 'LICENSE.md', require: 'namespace',
    entry: 'export * from "date-fns";',
    about: 'date-fns: named imports (format, parseISO, addDays, differenceInDays, ...), dates in UTC',
  },
  {
    name: 'zod', pkg: 'zod', license: 'LICENSE', require: 'namespace',
    entry: 'export * from "zod"; export { default } from "zod";',
    // zod's messages in 40 languages would triple its size: `z.locales` keeps English only.
    plugins: [onlyEnglishLocales()],
    about: 'zod: `import { z } from "zod"` or `import * as z from "zod"`, schemas and parse/safeParse',
  },
  {
    name: 'papaparse', pkg: 'papaparse', license: 'LICENSE', require: 'default',
    entry: 'import Papa from "papaparse"; export default Papa; export const { parse, unparse } = Papa;',
    about: 'papaparse: CSV, `Papa.parse(text, { header: true })` and `Papa.unparse(rows)`',
  },
  {
    name: 'yaml', pkg: 'yaml', license: 'LICENSE', require: 'namespace',
    entry: 'export * from "yaml"; export { default } from "yaml";',
    about: 'yaml: `import YAML from "yaml"`, YAML.parse and YAML.stringify',
  },
  {
    name: 'marked', pkg: 'marked', license: 'LICENSE', require: 'namespace',
    entry: 'export * from "marked";',
    about: 'marked: Markdown to HTML, `import { marked } from "marked"; marked.parse(md)`',
  },
];

function onlyEnglishLocales() {
  return {
    name: 'zod-english-only',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => ({
        path: path.join(args.resolveDir, '../locales/index.js'),
        namespace: 'zod-locales',
        pluginData: args.resolveDir,
      }));
      b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
        contents: 'export { default as en } from "./en.js";',
        resolveDir: path.join(args.pluginData, '../locales'),
      }));
    },
  };
}

fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(path.join(outDir, 'licenses'), { recursive: true });
const manifest = [];
for (const lib of LIBS) {
  const pkgDir = path.join(modulesDir, lib.pkg);
  const { version, license } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const out = path.join(outDir, `${lib.name}.js`);
  await build({
    stdin: { contents: lib.entry, resolveDir: modulesDir, sourcefile: `${lib.name}-entry.js` },
    nodePaths: [modulesDir],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    outfile: out,
    // papaparse reaches for Node's `stream` only when asked for a Node stream.
    external: ['stream'],
    logLevel: 'warning',
    plugins: lib.plugins ?? [],
  });
  // A banner naming what this is; the license travels next to it.
  const code = fs.readFileSync(out, 'utf8');
  fs.writeFileSync(out, `/* ${lib.pkg}@${version} (${license}), bundled for airlock; see licenses/${lib.name}.txt */\n${code}`);
  fs.copyFileSync(path.join(pkgDir, lib.license), path.join(outDir, 'licenses', `${lib.name}.txt`));
  manifest.push({ name: lib.name, package: lib.pkg, version, license, require: lib.require, about: lib.about });
}
fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
