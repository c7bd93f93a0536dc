#!/usr/bin/env node
// Packs the npm tarballs into dist/ (or the folder given with --out):
// - the root package, its manifest given `optionalDependencies` on every platform package at the
//   root's version (the repository's package.json cannot list them: they are not on the registry
//   until a release publishes them, and `npm ci` refuses a lock file without them);
// - every platform package under npm/ whose engine binary is present (scripts/build-portable.sh,
//   or the release workflow's artifacts).
// Prints the tarballs written, one JSON line each: {name, file, size}.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out');
const OUT = path.resolve(outFlag > 0 ? process.argv[outFlag + 1] : path.join(ROOT, 'dist'));

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const rootManifest = readJson(path.join(ROOT, 'package.json'));

function platformPackages() {
  const dir = path.join(ROOT, 'npm');
  return fs.readdirSync(dir).sort().map((platform) => {
    const folder = path.join(dir, platform);
    const manifest = readJson(path.join(folder, 'package.json'));
    if (manifest.version !== rootManifest.version) {
      throw new Error(`${manifest.name} is at ${manifest.version}, the root at ${rootManifest.version}: run \`npx napi version\``);
    }
    return { platform, folder, manifest, binary: path.join(folder, manifest.main) };
  });
}

function npmPack(folder) {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', OUT], { cwd: folder, encoding: 'utf8' }));
  const file = path.join(OUT, packed.filename);
  return { name: packed.name, file, size: fs.statSync(file).size };
}

/** The root package as published: its `files`, README and LICENSE, and the completed manifest. */
function packRoot(platforms) {
  const stage = fs.mkdtempSync(path.join(OUT, '.stage-'));
  try {
    for (const entry of [...rootManifest.files, 'README.md', 'LICENSE']) {
      fs.cpSync(path.join(ROOT, entry), path.join(stage, entry), { recursive: true });
    }
    const { scripts, devDependencies, overrides, ...published } = rootManifest;
    published.optionalDependencies = Object.fromEntries(platforms.map(({ manifest }) => [manifest.name, rootManifest.version]));
    fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
    return npmPack(stage);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

fs.mkdirSync(OUT, { recursive: true });
const platforms = platformPackages();
const written = [packRoot(platforms)];
for (const { folder, binary } of platforms) {
  if (!fs.existsSync(binary)) continue;
  fs.copyFileSync(path.join(ROOT, 'LICENSE'), path.join(folder, 'LICENSE'));
  written.push(npmPack(folder));
}
if (written.length === 1) console.error('no platform binary under npm/: run scripts/build-portable.sh first');
for (const tarball of written) console.log(JSON.stringify(tarball));
