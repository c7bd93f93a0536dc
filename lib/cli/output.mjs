// How results are shown: tables on a terminal, JSON when piped, CSV/JSONL for exports, and a
// progress bar on stderr for long transfers.

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function cellText(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Columns for a set of records: `id` first, then every other top-level field in first-seen order. */
export function columnsOf(records, { includeSystem = false } = {}) {
  const columns = new Set(['id']);
  for (const record of records) {
    for (const key of Object.keys(record)) if (includeSystem || !key.startsWith('_')) columns.add(key);
  }
  if (!records.some((r) => 'id' in r)) columns.delete('id');
  return [...columns];
}

export function table(rows, columns = columnsOf(rows)) {
  if (rows.length === 0) return '(no rows)';
  const widths = columns.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cellText(r[c]).length))));
  const clip = (text, width) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
  const line = (cells) => cells.map((cell, i) => clip(cell, widths[i])).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '─'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cellText(r[c]))))].join('\n');
}

function csvField(value) {
  const text = cellText(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csv(records) {
  const columns = columnsOf(records);
  return [columns.map(csvField).join(','), ...records.map((r) => columns.map((c) => csvField(r[c])).join(','))].join('\n');
}

/** Prints a result: a table (or key/value list) on a terminal, JSON otherwise. */
export function show(result, { json, stdout = process.stdout }) {
  const asJson = json || !stdout.isTTY;
  if (asJson) {
    stdout.write(`${JSON.stringify(result, null, stdout.isTTY ? 2 : 0)}\n`);
  } else if (Array.isArray(result) && result.every(isPlainObject)) {
    stdout.write(`${table(result)}\n`);
  } else if (isPlainObject(result)) {
    const rows = Object.entries(result).map(([field, value]) => ({ field, value }));
    stdout.write(`${table(rows, ['field', 'value'])}\n`);
  } else {
    stdout.write(`${cellText(result)}\n`);
  }
}

/** A progress bar on stderr when it is a terminal; silent otherwise. */
export function progress(label, total, stderr = process.stderr) {
  if (!stderr.isTTY || !total) return { update() {}, done() {} };
  let last = -1;
  const draw = (n) => {
    const ratio = Math.min(1, n / total);
    const percent = Math.floor(ratio * 100);
    if (percent === last) return;
    last = percent;
    const filled = Math.round(ratio * 30);
    stderr.write(`\r${label} [${'█'.repeat(filled)}${' '.repeat(30 - filled)}] ${percent}% ${n}/${total}`);
  };
  return { update: draw, done: () => { draw(total); stderr.write('\n'); } };
}
