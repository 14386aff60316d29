/**
 * The runner of `cdk8s.yaml`'s app: `node --require ./tools/ts-hook.js main.ts`.
 *
 * It teaches `require` the `.ts` extension and nothing else: each TypeScript file is transformed by
 * esbuild on its own (types stripped, no type check: that is `npm test`'s and `npm run build`'s job)
 * into CommonJS with an inline source map, so a definition's error still points at its `.ts` line.
 * The transformed code is cached by content in a per-user directory under the temporary directory
 * (`SHIPSHAPE_CACHE_DIR` moves it, `SHIPSHAPE_CACHE_DIR=off` turns it off).
 *
 * Why not tsx, which does the same transform: its CommonJS hook also runs an ES-module lexer over
 * every JavaScript file node loads (2.7 MB of cdk8s-plus-28 among them) to support `import` in
 * `.js` files, which this project never needs. `npm run bench` shows the difference.
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');

/** Bumped when what is cached changes shape. */
const FORMAT = 'shipshape-ts-hook-1';

let esbuild;
let cacheDir;
const tsconfigs = new Map();

function cacheDirectory() {
  if (cacheDir !== undefined) return cacheDir;
  const configured = process.env.SHIPSHAPE_CACHE_DIR;
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username;
  cacheDir = configured === 'off' ? null : path.join(configured ? path.resolve(configured) : path.join(os.tmpdir(), `shipshape-${user}`), 'ts');
  if (cacheDir) {
    try {
      fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      // Code is run from here: never from a directory another user made under a shared temporary directory.
      const stat = fs.statSync(cacheDir);
      if (!stat.isDirectory() || (typeof process.getuid === 'function' && stat.uid !== process.getuid())) cacheDir = null;
    } catch {
      cacheDir = null;
    }
  }
  return cacheDir;
}

/** The text of the nearest tsconfig.json above `dir` (esbuild reads the options that change emitted code). */
function tsconfigFor(dir) {
  if (tsconfigs.has(dir)) return tsconfigs.get(dir);
  const file = path.join(dir, 'tsconfig.json');
  const parent = path.dirname(dir);
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : parent === dir ? '{}' : tsconfigFor(parent);
  tsconfigs.set(dir, text);
  return text;
}

function transform(source, filename) {
  esbuild ??= require('esbuild');
  return esbuild.transformSync(source, {
    loader: 'ts',
    format: 'cjs',
    target: `node${process.versions.node}`,
    sourcemap: 'inline',
    sourcefile: filename,
    tsconfigRaw: tsconfigFor(path.dirname(filename)),
  }).code;
}

function compiled(source, filename) {
  const dir = cacheDirectory();
  if (!dir) return transform(source, filename);
  const key = crypto
    .createHash('sha256')
    .update([FORMAT, require('esbuild/package.json').version, process.versions.node, filename, tsconfigFor(path.dirname(filename)), source].join('\0'))
    .digest('hex');
  const file = path.join(dir, `${key}.js`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    const code = transform(source, filename);
    try {
      // Written aside and renamed into place, so a concurrent run never reads half a file.
      const temporary = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, code, { mode: 0o600 });
      fs.renameSync(temporary, file);
    } catch {
      // A read-only or full disk costs the next run a transform, nothing more.
    }
    return code;
  }
}

process.setSourceMapsEnabled(true);
Module._extensions['.ts'] = function loadTypeScript(module, filename) {
  module._compile(compiled(fs.readFileSync(filename, 'utf8'), filename), filename);
};
