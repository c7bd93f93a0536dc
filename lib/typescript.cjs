'use strict';
// `generateTypes`/`printTypes`: TypeScript interfaces for a database's resources, one per
// resource (named in PascalCase), plus a `ResourceMap` for `db.resources`.

const fs = require('node:fs/promises');
const path = require('node:path');

const TS_TYPES = {
  string: 'string', email: 'string', url: 'string', uuid: 'string', secret: 'string', ip4: 'string', ip6: 'string',
  date: 'string', datetime: 'string', enum: 'string',
  number: 'number', integer: 'number', money: 'number', crypto: 'number', decimal: 'number',
  boolean: 'boolean',
  array: 'any[]',
  object: 'Record<string, any>', json: 'Record<string, any>',
};

/** The TypeScript type of a definition's base type (`string|min:2` → `string`). */
function tsTypeOf(definition) {
  const base = String(definition).split('|')[0].trim();
  const embedding = /^embedding:(\d+)$/.exec(base);
  if (embedding) return `number[] /* ${embedding[1]} dimensions */`;
  const [name] = base.split(':');
  return TS_TYPES[name] || 'any';
}

/** As the validator sees it: a field is required unless declared optional (s3db.js's generator
 * only looked for `|required`, marking most validated fields optional in the types). */
function isRequired(definition) {
  if (typeof definition === 'string') return !/\|optional\b/.test(definition);
  if (!definition || typeof definition !== 'object') return false;
  if (definition.type) return definition.optional !== true;
  // A nested object is optional unless its `$$type` makes it required (allNestedObjectsOptional).
  return typeof definition.$$type === 'string' && /\|required\b/.test(definition.$$type);
}

const pascalCase = (name) => name.split(/[_-]/).map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');

function fieldType(definition, indent) {
  if (typeof definition === 'string') return tsTypeOf(definition);
  if (!definition || typeof definition !== 'object') return 'any';
  if (definition.type === 'array' && definition.items) return `Array<${fieldType(definition.items, indent)}>`;
  const props = definition.type === 'object' ? definition.props : definition.type ? null : definition;
  if (props) {
    const inner = Object.entries(props).filter(([key]) => !key.startsWith('$$'));
    const lines = inner.map(([key, value]) => `${indent}  ${key}${isRequired(value) ? '' : '?'}: ${fieldType(value, `${indent}  `)};`);
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  return tsTypeOf(definition.type);
}

function resourceInterface(name, attributes, timestamps) {
  const lines = [`export interface ${pascalCase(name)} {`, '  /** Record id */', '  id: string;'];
  for (const [field, definition] of Object.entries(attributes)) {
    if (field === 'id' || (timestamps && (field === 'createdAt' || field === 'updatedAt'))) continue;
    if (definition && typeof definition === 'object' && definition.description) lines.push(`  /** ${definition.description} */`);
    lines.push(`  ${field}${isRequired(definition) ? '' : '?'}: ${fieldType(definition, '  ')};`);
  }
  if (timestamps) lines.push('  /** ISO 8601 */', '  createdAt: string;', '  /** ISO 8601 */', '  updatedAt: string;');
  lines.push('}', '');
  return lines.join('\n');
}

/** The declarations as text; written to `outputPath` unless it is null. */
async function generateTypes(database, { outputPath = './types/database.d.ts', moduleName = 's3db.js', includeResource = true } = {}) {
  const resources = Object.entries(database.resources || {});
  const lines = [
    '/**',
    ` * TypeScript definitions of the resources, generated ${new Date().toISOString()}.`,
    ' * Generated file: edit the resource definitions instead.',
    ' */',
    '',
  ];
  if (includeResource) lines.push(`import { Resource, Database } from '${moduleName}';`, '');
  for (const [name, resource] of resources) {
    lines.push(resourceInterface(name, resource.attributes || {}, Boolean(resource.config && resource.config.timestamps)));
  }
  lines.push('/** `db.resources`, typed. */', 'export interface ResourceMap {');
  for (const [name] of resources) lines.push(`  ${name}: ${includeResource ? `Resource<${pascalCase(name)}>` : 'any'};`);
  lines.push('}', '');
  if (includeResource) {
    lines.push('/** A database whose `resources` are typed. */', 'export interface TypedDatabase extends Omit<Database, \'resources\'> {', '  resources: ResourceMap;', '}', '');
  }
  const text = lines.join('\n');
  if (outputPath) {
    await fs.mkdir(path.dirname(outputPath), { recursive: true });
    await fs.writeFile(outputPath, text);
  }
  return text;
}

/** Prints the declarations and returns them (nothing is written). */
async function printTypes(database, options = {}) {
  const text = await generateTypes(database, { ...options, outputPath: null });
  console.log(text);
  return text;
}

module.exports = { generateTypes, printTypes };
