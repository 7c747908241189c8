// Adds lockfile entries for optional platform packages (e.g. @swc/core-darwin-arm64) that the npm
// registry mirror on our machines does not serve. Without them `npm ci` refuses the lockfile
// ("Missing: … from lock file"); with them it skips the other platforms' binaries as optional.
// Run after `npm install <pkg>`:  node .ci/complete-lockfile.mjs
import fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pkgs = lock.packages;
let added = 0;

function resolves(fromPath, name) {
  let base = fromPath;
  for (;;) {
    if (pkgs[(base ? `${base}/node_modules/` : 'node_modules/') + name]) return true;
    if (!base) return false;
    const i = base.lastIndexOf('/node_modules/');
    base = i >= 0 ? base.slice(0, i) : '';
  }
}

for (const [path, meta] of Object.entries(pkgs)) {
  for (const [name, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    if (resolves(path, name)) continue;
    pkgs[`node_modules/${name}`] = { version: spec.replace(/^[\^~=]/, ''), ...(meta.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}

fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lockfile: added ${added} optional platform entr${added === 1 ? 'y' : 'ies'}`);
