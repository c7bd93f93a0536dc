'use strict';
// ImporterPlugin: loads JSON (an array), JSON Lines / NDJSON and CSV / TSV files — gzip-compressed
// or not — into a resource, streaming, in batches the engine inserts in one call each. Per record:
// `transforms` (field → function, see `Transformers`), then `mapping` (source → target field),
// `validate`, `deduplicateBy`; progress and completion are events, the counts a result.
// CSV is read by `csv-parse` (quotes, escaped quotes, embedded newlines, BOM; the delimiter is
// whichever of , ; TAB | the file uses).

const fs = require('node:fs');
const readline = require('node:readline');
const zlib = require('node:zlib');
const { Plugin } = require('./plugin.cjs');
const { PluginError } = require('../errors.cjs');

const FORMATS = { json: 'json', jsonl: 'lines', ndjson: 'lines', csv: 'csv', tsv: 'csv' };
const GZIP_MAGIC = [0x1f, 0x8b];

function isGzip(filePath) {
  if (filePath.endsWith('.gz')) return true;
  const head = Buffer.alloc(2);
  const fd = fs.openSync(filePath, 'r');
  try {
    fs.readSync(fd, head, 0, 2, 0);
  } finally {
    fs.closeSync(fd);
  }
  return head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/** The file's bytes as a stream, gunzipped when compressed. */
function openText(filePath) {
  const raw = fs.createReadStream(filePath);
  return isGzip(filePath) ? raw.pipe(zlib.createGunzip()) : raw;
}

/** Records of a file: `{record}` per row, or `{error, line}` for a row that cannot be read. */
async function* readRecords(kind, filePath, format) {
  if (kind === 'json') {
    const chunks = [];
    for await (const chunk of openText(filePath)) chunks.push(chunk);
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const rows = Array.isArray(parsed) ? parsed : Array.isArray(parsed.data) ? parsed.data : [parsed];
    for (const record of rows) yield { record };
    return;
  }
  if (kind === 'lines') {
    let line = 0;
    for await (const text of readline.createInterface({ input: openText(filePath), crlfDelay: Infinity })) {
      line += 1;
      if (!text.trim()) continue;
      try {
        yield { record: JSON.parse(text) };
      } catch (error) {
        yield { error, line };
      }
    }
    return;
  }
  // Loaded on first use: only CSV imports need it.
  const { parse: parseCsv } = require('csv-parse');
  const delimiter = format === 'tsv' ? '\t' : [',', ';', '\t', '|'];
  const parser = openText(filePath).pipe(parseCsv({ columns: true, delimiter, bom: true, skip_empty_lines: true, trim: true, relax_column_count: true }));
  for await (const record of parser) yield { record };
}

class ImporterPlugin extends Plugin {
  constructor(config = {}) {
    super(config);
    this.resourceName = config.resource || config.resourceName;
    this.format = config.format || 'json';
    this.mapping = config.mapping || {};
    this.transforms = config.transforms || {};
    this.validate = config.validate || null;
    this.deduplicateBy = config.deduplicateBy || null;
    this.batchSize = config.batchSize || 1000;
    this.parallelism = config.parallelism || 10;
    this.continueOnError = config.continueOnError !== undefined ? config.continueOnError : true;
    this.resource = null;
    this.seenKeys = new Set();
    this.stats = { totalProcessed: 0, totalInserted: 0, totalSkipped: 0, totalErrors: 0, totalDuplicates: 0, startTime: null, endTime: null };
  }

  async onInstall() {
    this.resource = this.database.resources[this.resourceName];
    if (!this.resource) {
      throw new PluginError({ message: `Resource '${this.resourceName}' not found`, pluginName: 'ImporterPlugin', operation: 'install', resourceName: this.resourceName });
    }
    if (!FORMATS[this.format]) {
      throw new PluginError({ message: `Unsupported format: ${this.format} (json, jsonl, ndjson, csv or tsv)`, pluginName: 'ImporterPlugin', operation: 'install' });
    }
  }

  _report(event) {
    if (this.listenerCount('error') > 0) this.emit('error', event);
  }

  /** Imports `filePath`; resolves to `{processed, inserted, skipped, errors, duplicates, duration}`. */
  async import(filePath, { format = this.format } = {}) {
    if (!fs.existsSync(filePath)) throw new PluginError({ message: `File not found: ${filePath}`, pluginName: 'ImporterPlugin', operation: 'import' });
    const kind = FORMATS[format];
    if (!kind) throw new PluginError({ message: `Unsupported format: ${format}`, pluginName: 'ImporterPlugin', operation: 'import' });
    Object.assign(this.stats, { totalProcessed: 0, totalInserted: 0, totalSkipped: 0, totalErrors: 0, totalDuplicates: 0, startTime: Date.now(), endTime: null });
    this.seenKeys.clear();
    let batch = [];
    try {
      for await (const { record, error, line } of readRecords(kind, filePath, format)) {
        if (error) {
          this.stats.totalErrors += 1;
          this._report({ row: line, message: `Invalid JSON on line ${line}: ${error.message}`, error });
          if (!this.continueOnError) throw error;
          continue;
        }
        this.stats.totalProcessed += 1;
        const mapped = this._mapRecord(this._transformRecord(record));
        if (this.validate && !this.validate(mapped)) {
          this.stats.totalSkipped += 1;
          this._report({ row: this.stats.totalProcessed, message: 'Validation failed', record: mapped });
          if (!this.continueOnError) throw new PluginError({ message: 'Validation failed', pluginName: 'ImporterPlugin', record: mapped });
          continue;
        }
        if (this.deduplicateBy) {
          const key = mapped[this.deduplicateBy];
          if (this.seenKeys.has(key)) {
            this.stats.totalDuplicates += 1;
            continue;
          }
          this.seenKeys.add(key);
        }
        batch.push(mapped);
        if (batch.length >= this.batchSize) {
          await this._processBatch(batch);
          batch = [];
          this.emit('progress', this._progress());
        }
      }
      if (batch.length) {
        await this._processBatch(batch);
        this.emit('progress', this._progress());
      }
    } catch (error) {
      this.stats.endTime = Date.now();
      this._report({ message: error.message, error });
      throw error;
    }
    this.stats.endTime = Date.now();
    const { totalProcessed, totalInserted, totalSkipped, totalErrors, totalDuplicates, startTime, endTime } = this.stats;
    const result = { processed: totalProcessed, inserted: totalInserted, skipped: totalSkipped, errors: totalErrors, duplicates: totalDuplicates, duration: endTime - startTime };
    this.emit('complete', result);
    return result;
  }

  _progress() {
    const { totalProcessed, totalInserted, totalSkipped, totalErrors } = this.stats;
    return { processed: totalProcessed, inserted: totalInserted, skipped: totalSkipped, errors: totalErrors, percent: 0 };
  }

  _mapRecord(record) {
    if (Object.keys(this.mapping).length === 0) return record;
    const mapped = {};
    for (const [source, target] of Object.entries(this.mapping)) if (source in record) mapped[target] = record[source];
    return mapped;
  }

  _transformRecord(record) {
    if (Object.keys(this.transforms).length === 0) return record;
    const transformed = { ...record };
    for (const [field, transform] of Object.entries(this.transforms)) if (field in transformed) transformed[field] = transform(transformed[field], record);
    return transformed;
  }

  /** Inserts a batch in one engine call; failed records are counted and reported. */
  async _processBatch(records) {
    const { records: inserted, failures } = await this.resource._insertBatch(records);
    this.stats.totalInserted += inserted.length;
    this.stats.totalErrors += failures.length;
    for (const { error, document } of failures) this._report({ message: error.message, record: document, error });
    if (failures.length && !this.continueOnError) throw failures[0].error;
  }

  getStats() {
    const seconds = this.stats.endTime ? (this.stats.endTime - this.stats.startTime) / 1000 : 0;
    return { ...this.stats, recordsPerSecond: seconds > 0 ? Math.round(this.stats.totalProcessed / seconds) : this.stats.endTime ? this.stats.totalProcessed : 0 };
  }
}

/** Field transforms for `transforms`: each returns a function of the value. */
const Transformers = {
  parseDate: () => (value) => new Date(value).getTime(),
  parseFloat: (decimals = 2) => (value) => Number(Number.parseFloat(value).toFixed(decimals)),
  parseInt: () => (value) => Number.parseInt(value, 10),
  toLowerCase: () => (value) => String(value).toLowerCase(),
  toUpperCase: () => (value) => String(value).toUpperCase(),
  split: (delimiter = ',') => (value) => String(value).split(delimiter).map((part) => part.trim()),
  parseJSON: () => (value) => {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  },
  trim: () => (value) => String(value).trim(),
};

module.exports = { ImporterPlugin, Transformers };
