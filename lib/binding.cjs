'use strict';
// Finds and loads the compiled engine: an explicit S3DB_NATIVE_ADDON, a build from source in the
// package folder (`npm run build`), or the prebuilt per-platform package npm installed as an
// optional dependency. When none loads, one error says which platform was looked for and how to
// build from source.

const { existsSync, readFileSync, statSync } = require('node:fs');
const path = require('node:path');

const PACKAGE_ROOT = path.join(__dirname, '..');
const { version: PACKAGE_VERSION } = require('../package.json');

/** musl or glibc: the text of `ldd` names musl; otherwise (rare) Node's diagnostic report tells. */
function isMusl() {
  if (process.platform !== 'linux') return false;
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    // no ldd to read: ask the report, which costs a few milliseconds
  }
  if (process.report) process.report.excludeNetwork = true;
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null;
  if (report?.header?.glibcVersionRuntime) return false;
  if (Array.isArray(report?.sharedObjects)) {
    return report.sharedObjects.some((file) => file.includes('libc.musl-') || file.includes('ld-musl-'));
  }
  return false;
}

/** The napi-rs platform name: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`… */
function platformName(platform = process.platform, arch = process.arch, musl = isMusl) {
  if (platform === 'linux') return `linux-${arch}-${musl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function addonFile(platform) {
  return `s3db-native.${platform}.node`;
}

/** An explicit path may name the addon file or the folder holding it. */
function explicitAddon(setting, platform) {
  const resolved = path.resolve(setting);
  return existsSync(resolved) && statSync(resolved).isDirectory() ? path.join(resolved, addonFile(platform)) : resolved;
}

class NativeAddonMissing extends Error {
  constructor(platform, attempts) {
    const tried = attempts.map(({ source, error }) => `  - ${source}: ${error.message.split('\n')[0]}`).join('\n');
    super(
      `s3db-native has no engine binary loadable on ${platform} (Node ${process.version}).\n`
      + `Tried:\n${tried}\n`
      + `On a supported platform, reinstall so npm fetches the optional package s3db-native-${platform}`
      + ' (it is skipped by --omit=optional). Elsewhere, build from source: with Rust (https://rustup.rs),'
      + ' run `npm install && npm run build` in a clone of the s3db-native repository, then set'
      + ` S3DB_NATIVE_ADDON to the s3db-native.${platform}.node it writes.`,
    );
    this.name = 'NativeAddonMissing';
    this.platform = platform;
    this.attempts = attempts;
  }
}

function load() {
  const platform = platformName();
  const attempts = [];
  const attempt = (source, open) => {
    try {
      return open();
    } catch (error) {
      attempts.push({ source, error });
      return null;
    }
  };

  if (process.env.S3DB_NATIVE_ADDON) {
    const file = explicitAddon(process.env.S3DB_NATIVE_ADDON, platform);
    // An explicit choice that fails must not silently fall back to another build.
    const binding = attempt(`S3DB_NATIVE_ADDON (${file})`, () => require(file));
    if (binding) return binding;
    throw new NativeAddonMissing(platform, attempts);
  }

  const localBuild = path.join(PACKAGE_ROOT, addonFile(platform));
  if (existsSync(localBuild)) {
    const binding = attempt(localBuild, () => require(localBuild));
    if (binding) return binding;
  }

  const packageName = `s3db-native-${platform}`;
  const binding = attempt(`package ${packageName}`, () => {
    const { version } = require(`${packageName}/package.json`);
    if (version !== PACKAGE_VERSION) {
      throw new Error(`${packageName}@${version} is installed, but s3db-native@${PACKAGE_VERSION} needs the same version`);
    }
    return require(packageName);
  });
  if (binding) return binding;
  throw new NativeAddonMissing(platform, attempts);
}

module.exports = { load, platformName, addonFile, NativeAddonMissing };
