'use strict';
// Prometheus text exposition (format 0.0.4) of MetricsPlugin's counters, with s3db.js's metric
// names: s3db_operations_total, s3db_operation_duration_seconds, s3db_operation_errors_total,
// s3db_uptime_seconds, s3db_resources_total, s3db_info.

const { version } = require('../../package.json');

/** A label value with `\`, `"` and newlines escaped. */
const labelValue = (value) => String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** A metric or label name: characters outside [a-zA-Z0-9_] become `_`, no leading digit. */
const metricName = (name) => String(name).replace(/[^a-zA-Z0-9_]/g, '_').replace(/^(\d)/, '_$1');

function family(name, type, help, samples) {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const { labels = {}, value } of samples) {
    const pairs = Object.entries(labels).map(([key, v]) => `${key}="${labelValue(v)}"`);
    lines.push(`${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `{labels, data}` for the global counters and, with resource labels, each resource's. */
function series(metrics, includeResourceLabels) {
  const out = Object.entries(metrics.operations).map(([operation, data]) => ({ labels: { operation, resource: '_global' }, data }));
  if (includeResourceLabels) {
    for (const [resource, operations] of Object.entries(metrics.resources)) {
      for (const [operation, data] of Object.entries(operations)) out.push({ labels: { operation, resource: metricName(resource) }, data });
    }
  }
  return out;
}

/** The exposition text of `metrics` (`{operations, resources, startTime}`). */
function formatPrometheus(metrics, { includeResourceLabels = true } = {}) {
  const all = series(metrics, includeResourceLabels);
  const used = all.filter(({ data }) => data.count > 0);
  const failing = all.filter(({ data }) => data.errors > 0);
  const parts = [];
  if (used.length) {
    parts.push(family('s3db_operations_total', 'counter', 'Total number of operations by type and resource',
      used.map(({ labels, data }) => ({ labels, value: data.count }))));
    parts.push(family('s3db_operation_duration_seconds', 'gauge', 'Average operation duration in seconds',
      used.map(({ labels, data }) => ({ labels, value: (data.totalTime / data.count / 1000).toFixed(6) }))));
  }
  if (failing.length) {
    parts.push(family('s3db_operation_errors_total', 'counter', 'Total number of operation errors',
      failing.map(({ labels, data }) => ({ labels, value: data.errors }))));
  }
  const uptime = (Date.now() - new Date(metrics.startTime).getTime()) / 1000;
  parts.push(family('s3db_uptime_seconds', 'gauge', 'Process uptime in seconds', [{ value: uptime.toFixed(2) }]));
  parts.push(family('s3db_resources_total', 'gauge', 'Total number of tracked resources', [{ value: Object.keys(metrics.resources).length }]));
  parts.push(family('s3db_info', 'gauge', 'Build and runtime information', [{ labels: { version, node_version: process.version }, value: 1 }]));
  return parts.join('\n');
}

module.exports = { formatPrometheus, metricName, labelValue };
