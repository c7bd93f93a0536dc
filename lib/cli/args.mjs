// Command-line parsing: `s3db <command> [positionals] [--flag value | --switch]`.

const SWITCHES = new Set(['help', 'json', 'compress', 'clear', 'timestamps', 'version', 'fsync']);

export class UsageError extends Error {}

export function parseArgs(argv) {
  const positionals = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      flags.help = true;
    } else if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
      if (SWITCHES.has(name)) {
        flags[name] = inline === undefined ? true : inline !== 'false';
      } else if (inline !== undefined) {
        flags[name] = inline;
      } else {
        if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
        flags[name] = argv[++i];
      }
    } else {
      positionals.push(arg);
    }
  }
  return { command: positionals[0], positionals: positionals.slice(1), flags };
}

/** A JSON flag value, with the flag named in the error. */
export function jsonFlag(flags, name, fallback) {
  if (flags[name] === undefined) return fallback;
  try {
    return JSON.parse(flags[name]);
  } catch (error) {
    throw new UsageError(`--${name} is not valid JSON: ${error.message}`);
  }
}

export function numberFlag(flags, name, fallback) {
  if (flags[name] === undefined) return fallback;
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} must be a non-negative integer`);
  return value;
}
