// How the package finds its engine: the explicit S3DB_NATIVE_ADDON, a local build, or the
// per-platform package npm installed; and the one clear error when none loads. Each case runs in
// a child process with a copy of the package laid out as npm installs it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { TARGET } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { platformName, addonFile } = require('../lib/binding.cjs');
const REPO = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const PLATFORM = platformName();
const VERSION = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version;

/** The addon this test run uses (the debug build under `npm test`, else the local release build). */
function currentAddon() {
  const setting = process.env.S3DB_NATIVE_ADDON;
  if (!setting) return path.join(REPO, addonFile(PLATFORM));
  return fs.statSync(setting).isDirectory() ? path.join(setting, addonFile(PLATFORM)) : setting;
}

const describeOnce = TARGET === 'memory' ? describe : describe.skip;

describeOnce('engine binary loading', () => {
  let app;
  const pkg = () => path.join(app, 'node_modules', 's3db-native');
  const platformPkg = () => path.join(app, 'node_modules', `s3db-native-${PLATFORM}`);

  beforeAll(() => {
    app = fs.mkdtempSync(path.join(os.tmpdir(), 's3db-binding-'));
    fs.mkdirSync(pkg(), { recursive: true });
    fs.cpSync(path.join(REPO, 'lib'), path.join(pkg(), 'lib'), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'package.json'), path.join(pkg(), 'package.json'));
  });
  afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

  function installPlatformPackage(version) {
    fs.rmSync(platformPkg(), { recursive: true, force: true });
    fs.mkdirSync(platformPkg(), { recursive: true });
    fs.copyFileSync(currentAddon(), path.join(platformPkg(), addonFile(PLATFORM)));
    fs.writeFileSync(path.join(platformPkg(), 'package.json'), JSON.stringify({ name: `s3db-native-${PLATFORM}`, version, main: addonFile(PLATFORM) }));
  }

  function run(code, env = {}) {
    const childEnv = { ...process.env, ...env };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
    const result = spawnSync(process.execPath, ['-e', code], { cwd: app, encoding: 'utf8', env: childEnv });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  const quickstart = `
    const { S3db } = require('s3db-native');
    (async () => {
      const db = new S3db({ connectionString: 'memory://b/app' });
      await db.connect();
      const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
      await users.insert({ id: 'u1', name: 'Ana' });
      console.log((await users.get('u1')).name);
    })();`;

  it('without a platform package or a local build, throws NativeAddonMissing naming the platform and the way out', () => {
    fs.rmSync(platformPkg(), { recursive: true, force: true });
    const result = run(`try { require('s3db-native') } catch (e) { console.log(JSON.stringify({ name: e.name, platform: e.platform, message: e.message })) }`, { S3DB_NATIVE_ADDON: undefined });
    const error = JSON.parse(result.stdout);
    expect(error.name).toBe('NativeAddonMissing');
    expect(error.platform).toBe(PLATFORM);
    expect(error.message).toContain(`s3db-native-${PLATFORM}`);
    expect(error.message).toContain('npm run build');
    expect(error.message).not.toContain('native.cjs');
  });

  it('loads the engine from the per-platform package at the same version', () => {
    installPlatformPackage(VERSION);
    const result = run(quickstart, { S3DB_NATIVE_ADDON: undefined });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('Ana');
  });

  it('refuses a platform package of another version, saying which', () => {
    installPlatformPackage('0.0.1-other');
    const result = run(`try { require('s3db-native') } catch (e) { console.log(e.name + ': ' + e.message) }`, { S3DB_NATIVE_ADDON: undefined });
    expect(result.stdout).toContain('NativeAddonMissing');
    expect(result.stdout).toContain(`s3db-native-${PLATFORM}@0.0.1-other is installed, but s3db-native@${VERSION} needs the same version`);
  });

  it('S3DB_NATIVE_ADDON takes a file or its folder, and a wrong one fails instead of falling back', () => {
    fs.rmSync(platformPkg(), { recursive: true, force: true });
    expect(run(quickstart, { S3DB_NATIVE_ADDON: currentAddon() }).stdout.trim()).toBe('Ana');
    expect(run(quickstart, { S3DB_NATIVE_ADDON: path.dirname(currentAddon()) }).stdout.trim()).toBe('Ana');
    installPlatformPackage(VERSION);
    const wrong = run(`try { require('s3db-native') } catch (e) { console.log(e.name) }`, { S3DB_NATIVE_ADDON: path.join(app, 'missing.node') });
    expect(wrong.stdout.trim()).toBe('NativeAddonMissing');
  });

  it('maps Node platforms to the napi-rs package names', () => {
    expect(platformName('linux', 'x64', () => false)).toBe('linux-x64-gnu');
    expect(platformName('linux', 'arm64', () => false)).toBe('linux-arm64-gnu');
    expect(platformName('linux', 'x64', () => true)).toBe('linux-x64-musl');
    expect(platformName('darwin', 'arm64')).toBe('darwin-arm64');
    expect(platformName('darwin', 'x64')).toBe('darwin-x64');
    expect(platformName('win32', 'x64')).toBe('win32-x64-msvc');
    const names = fs.readdirSync(path.join(REPO, 'npm'));
    for (const [platform, arch, musl] of [['linux', 'x64', false], ['linux', 'arm64', false], ['linux', 'x64', true], ['darwin', 'arm64'], ['darwin', 'x64'], ['win32', 'x64']]) {
      expect(names).toContain(platformName(platform, arch, () => musl));
    }
  });
});
