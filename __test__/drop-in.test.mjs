// What an app written for s3db.js 12.4 reaches for beyond CRUD: the root exports, declared ids,
// Schema and Validator, the helpers, the error constructors, the client's AWS-shaped surface and
// the rest of the Resource API. Run on every target (memory, and the S3 server when there is one).
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import * as pkg from '../lib/index.mjs';
import { uniqueUrl, uniqueName, caught, caughtSync, ON_S3 } from './helpers.mjs';

const {
  S3db, Resource, Schema, Validator, MemoryClient, InvalidResourceItem, ValidationError, ResourceError, CryptoError,
  NoSuchKey, ResourceNotFound, S3dbError, BehaviorError,
} = pkg;

/** Every name s3db.js 12.4 exports at its root that is not a plugin, a plugin driver or a plugin's helper. */
const CORE_NAMES = `
  AVAILABLE_BEHAVIORS AnalyticsNotEnabledError AuthenticationError BaseError BehaviorError Cache CachePlugin Client
  ConnectionString ConnectionStringError CostsPlugin CryptoError DEFAULT_BEHAVIOR Database DatabaseError
  EncryptionError ErrorMap Factory InvalidResourceItem MemoryCache MemoryClient MemoryStorage MetadataLimitError
  MissingMetadata NoSuchBucket NoSuchKey NotFound PartitionDriverError PartitionError PermissionError Plugin
  PluginError PluginObject PluginStorageError Resource ResourceError ResourceIdsPageReader ResourceIdsReader
  ResourceNotFound ResourceReader ResourceWriter S3Cache S3Client S3db S3dbError Schema SchemaError Seeder
  StreamError UnknownError ValidationError Validator behaviors calculateAttributeNamesSize calculateAttributeSizes
  calculateEffectiveLimit calculateSystemOverhead calculateTotalSize calculateUTF8Bytes clearUTF8Memory decode
  decodeDecimal decodeFixedPoint decodeFixedPointBatch decrypt default encode encodeDecimal encodeFixedPoint
  encodeFixedPointBatch encrypt generateTypes getBehavior getSizeBreakdown idGenerator mapAwsError md5
  passwordGenerator printTypes sha256 streamToString transformValue tryFn tryFnSync
`.trim().split(/\s+/);

const databases = [];
async function connected(options = {}) {
  const db = new S3db({ connectionString: uniqueUrl('dropin'), ...options });
  await db.connect();
  databases.push(db);
  return db;
}
afterAll(async () => {
  for (const db of databases) await db.disconnect();
});

describe('root exports', () => {
  it("every non-plugin name of s3db.js 12.4's root export exists", () => {
    const missing = CORE_NAMES.filter((name) => !(name in pkg));
    expect(missing).toEqual([]);
    expect(pkg.default).toBe(S3db);
  });
});

describe('an id declared in the attributes', () => {
  it("MemoryClient manual's first example: `id: 'string|required'` with a caller-given id", async () => {
    const db = await connected();
    const users = await db.createResource({ name: uniqueName('users'), attributes: { id: 'string|required', name: 'string', email: 'email' } });
    const user = await users.insert({ id: 'u1', name: 'Ann', email: 'ann@example.com' });
    expect(user.id).toBe('u1');
    expect((await users.get('u1')).name).toBe('Ann');
  });

  it('rules on the id hold for generated ids and refuse bad given ones', async () => {
    const db = await connected();
    const items = await db.createResource({ name: uniqueName('items'), attributes: { id: 'string|required|min:20', name: 'string' } });
    const generated = await items.insert({ name: 'generated' });
    expect(generated.id).toHaveLength(22);
    const error = await caught(items.insert({ id: 'short', name: 'x' }));
    expect(error).toBeInstanceOf(InvalidResourceItem);
    expect(error.errors[0]).toMatchObject({ type: 'stringMin', field: 'id' });
    expect(await items.exists('short')).toBe(false);
  });
});

describe('Schema and Validator', () => {
  const attributes = { name: 'string|min:2', age: 'number', active: 'boolean', tags: 'array|items:string', password: 'secret', joined: 'datetime|optional' };

  it('maps to the stored metadata form and back', async () => {
    const schema = new Schema({ name: 'people', attributes, passphrase: 'pw' });
    expect(schema.map).toEqual({ name: '0', age: '1', active: '2', tags: '3', password: '4', joined: '5' });
    const doc = { name: 'Ann', age: 30, active: true, tags: ['a', 'b|c'], password: 'hunter2' };
    const mapped = await schema.mapper(doc);
    expect(mapped).toMatchObject({ 0: 'Ann', 1: 'u', 2: '1', 3: 'a|b\\|c', _v: '1' });
    expect(mapped[4]).not.toBe('hunter2');
    expect(await schema.unmapper(mapped)).toEqual(doc);
    expect(schema.options.hooks.afterUnmap).toMatchObject({ age: ['fromBase62Decimal'], active: ['toBool'], password: ['decrypt'] });
  });

  it('validates with fastest-validator errors; mutateOriginal applies conversions', async () => {
    const schema = new Schema({ name: 'people', attributes });
    const errors = await schema.validate({ name: 'A', age: 'x', active: true, tags: [], password: 'p' });
    expect(errors.map((e) => [e.field, e.type])).toEqual([['name', 'stringMin'], ['age', 'number']]);
    const doc = { name: 'Ann', age: '42', active: true, tags: [], password: 'p', joined: '2024-01-02T03:04:05.000Z' };
    expect(await schema.validate(doc)).toBe(true);
    expect(doc.age).toBe('42');
    expect(await schema.validate(doc, { mutateOriginal: true })).toBe(true);
    expect(doc.age).toBe(42);
    expect((await schema.validate({ ...doc, joined: 'never' }))[0]).toMatchObject({ field: 'joined', type: 'date' });
  });

  it('export/import keeps name, attributes and map; an unknown type is a SchemaError', () => {
    const schema = new Schema({ name: 'people', attributes: { a: 'string', nested: { b: 'number' } } });
    const copy = Schema.import(JSON.stringify(schema.export()));
    expect(copy.name).toBe('people');
    expect(copy.map).toEqual(schema.map);
    expect(caughtSync(() => new Schema({ name: 'bad', attributes: { a: 'nonsense' } }))).toBeInstanceOf(pkg.SchemaError);
  });

  it('Validator.compile checks and encrypts secrets in place', async () => {
    const validator = new Validator({ passphrase: 'pw' });
    const check = validator.compile({ login: 'string|min:3', password: 'secret' });
    const ok = { login: 'ann', password: 'hunter2' };
    expect(await check(ok)).toBe(true);
    expect(await pkg.decrypt(ok.password, 'pw')).toBe('hunter2');
    expect((await check({ login: 'a', password: 'x' }))[0]).toMatchObject({ type: 'stringMin', field: 'login' });
  });

  it('pattern rules are JavaScript regular expressions (backreferences, lookbehind)', async () => {
    const schema = new Schema({ name: 'p', attributes: { pair: { type: 'string', pattern: '^(\\w+)-\\1$' }, price: { type: 'string', pattern: '(?<=\\$)\\d+' } } });
    expect(await schema.validate({ pair: 'ab-ab', price: 'cost $12' })).toBe(true);
    expect((await schema.validate({ pair: 'ab-cd', price: '12' })).map((e) => e.field)).toEqual(['pair', 'price']);
  });
});

describe('helpers', () => {
  it('base62 and fixed point, with s3db.js answers for wrong types', () => {
    expect(pkg.encode(61)).toBe('Z');
    expect(pkg.decode('10')).toBe(62);
    expect(pkg.encode('x')).toBe('undefined');
    expect(pkg.decode(null)).toBeNaN();
    expect(pkg.encodeDecimal(19.99)).toBe('j.99');
    expect(pkg.decodeDecimal('j.99')).toBe(19.99);
    const batch = pkg.encodeFixedPointBatch([0.5, -1.25, 'x'], 4);
    expect(batch).toBe('^[1iE,-3fC,]'); // 5000 = 1·62² + 18·62 + 40
    expect(pkg.decodeFixedPointBatch(batch, 4).slice(0, 2)).toEqual([0.5, -1.25]);
    expect(pkg.encodeFixedPointBatch(null)).toBe('');
  });

  it('secrets, hashes and ids', async () => {
    const sealed = await pkg.encrypt('hello', 'pw');
    expect(Buffer.from(sealed, 'base64').length).toBe(16 + 12 + 5 + 16);
    expect(await pkg.decrypt(sealed, 'pw')).toBe('hello');
    expect(await caught(pkg.decrypt(sealed, 'wrong'))).toBeInstanceOf(CryptoError);
    expect(await pkg.sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await pkg.md5('abc')).toBe('kAFQmDzST7DWlj99KOF/cg==');
    expect(pkg.idGenerator()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(pkg.passwordGenerator()).toMatch(/^[A-HJ-NP-Za-km-z2-9]{16}$/);
  });

  it('the size calculator measures values and names as s3db.js does', () => {
    expect(pkg.calculateUTF8Bytes('héllo')).toBe(6);
    expect(pkg.calculateAttributeSizes({ a: true, b: null, c: [1, 'x'], d: 12.5, e: undefined, f: 10n })).toEqual({ a: 1, b: 0, c: 3, d: 4, e: 0, f: 2 });
    expect(pkg.calculateTotalSize({ name: 'John' })).toBe(8);
    expect(pkg.calculateUTF8Bytes('\ud800')).toBe(3);
    expect(pkg.calculateAttributeSizes({ lone: 'a\ud800' })).toEqual({ lone: 4 });
    const breakdown = pkg.getSizeBreakdown({ a: 'xxx', b: 'x' });
    expect(breakdown.breakdown.map((e) => [e.attribute, e.percentage])).toEqual([['a', '50.00%'], ['b', '16.67%']]);
    expect(pkg.calculateEffectiveLimit({ s3Limit: 2048, systemConfig: { version: '1' } })).toBe(2048 - 3);
  });

  it('tryFn and tryFnSync', async () => {
    expect(pkg.tryFn(() => 1)).toEqual([true, null, 1]);
    const [ok, error] = await pkg.tryFn(async () => { throw new Error('no'); });
    expect([ok, error.message]).toEqual([false, 'no']);
    expect(pkg.tryFnSync(() => { throw new Error('x'); })[0]).toBe(false);
  });

  it('behaviors by name', () => {
    expect(Object.keys(pkg.behaviors)).toEqual(pkg.AVAILABLE_BEHAVIORS);
    expect(pkg.getBehavior('body-only').name).toBe('body-only');
    expect(caughtSync(() => pkg.getBehavior('constructor'))).toBeInstanceOf(BehaviorError);
  });
});

describe('error classes as s3db.js constructs them', () => {
  it('(message, details) and the argument checks', () => {
    const error = new ValidationError('bad value', { bucket: 'b', field: 'x' });
    expect([error.message, error.bucket, error.field, error.name]).toEqual(['bad value', 'b', 'x', 'ValidationError']);
    expect(error.toJson()).toMatchObject({ name: 'ValidationError', message: 'bad value', bucket: 'b' });
    expect(String(new S3dbError('msg'))).toBe('S3dbError | msg');
    expect(new NoSuchKey({ bucket: 'b', key: 'k' }).message).toBe('No such key: k [bucket:b]');
    expect(caughtSync(() => new NoSuchKey({ bucket: 'b' })).message).toBe('key must be a string');
    expect(caughtSync(() => new ResourceNotFound({ bucket: 'b', resourceName: 'r', id: 1 })).message).toBe('id must be a string');
    expect(caughtSync(() => new InvalidResourceItem({ resourceName: 'r' })).message).toBe('bucket must be a string');
  });

  it('engine errors keep their details and classes', async () => {
    const db = await connected();
    const people = await db.createResource({ name: uniqueName('people'), attributes: { name: 'string' } });
    const missing = await caught(people.get('nobody'));
    expect(missing).toBeInstanceOf(NoSuchKey);
    expect(missing.id).toBe('nobody');
    expect(await caught(db.getResource('nope'))).toBeInstanceOf(ResourceNotFound);
  });
});

describe('the client API', () => {
  async function client() {
    return (await connected()).client;
  }

  it('putObject with ifMatch writes over the named ETag only', async () => {
    const c = await client();
    const { ETag } = await c.putObject({ key: 'cond', metadata: { v: '1' } });
    const stale = await caught(c.putObject({ key: 'cond', metadata: { v: '2' }, ifMatch: '"0123"' }));
    expect(stale.message).toMatch(/^Precondition failed/);
    await c.putObject({ key: 'cond', metadata: { v: '2' }, ifMatch: ETag });
    expect((await c.headObject('cond')).Metadata.v).toBe('2');
  });

  it('sendCommand runs AWS SDK command objects with command events', async () => {
    const c = await client();
    class PutObjectCommand { constructor(input) { this.input = input; } }
    class ListObjectsV2Command { constructor(input) { this.input = input; } }
    class PurgeCommand { constructor(input) { this.input = input; } }
    const names = [];
    c.on('command.request', (name) => names.push(name));
    expect((await c.sendCommand(new PutObjectCommand({ Key: 'sdk/1', Metadata: { a: 'b' }, Body: 'x' }))).ETag).toBeDefined();
    expect((await c.sendCommand(new ListObjectsV2Command({ Prefix: 'sdk/' }))).KeyCount).toBe(1);
    expect(names).toEqual(['PutObjectCommand', 'ListObjectsV2Command']);
    expect((await caught(c.sendCommand(new PurgeCommand({})))).message).toMatch(/Unsupported command/);
  });

  it('bodies stream like the SDK; listing helpers, delimiters and moves', async () => {
    const c = await client();
    for (const key of ['m/a/1', 'm/a/2', 'm/b/1', 'm/top']) await c.putObject({ key, metadata: {}, body: key });
    const chunks = [];
    for await (const chunk of (await c.getObject('m/top')).Body) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('m/top');
    const rolled = await c.listObjects({ prefix: 'm/', delimiter: '/' });
    expect(rolled.CommonPrefixes.map((p) => p.Prefix)).toEqual(['m/a/', 'm/b/']);
    expect(rolled.Contents).toHaveLength(1);
    expect(await c.getKeysPage({ prefix: 'm/', offset: 1, amount: 2 })).toEqual(['m/a/2', 'm/b/1']);
    expect(await c.getContinuationTokenAfterOffset({ prefix: 'm/', offset: 9 })).toBeNull();
    expect(await c.moveAllObjects({ prefixFrom: 'm/a/', prefixTo: 'n/' })).toEqual(['n/1', 'n/2']);
    expect(await c.getAllKeys({ prefix: 'm/a/' })).toEqual([]);
  });

  it.skipIf(ON_S3)('MemoryClient: persistence errors name the problem', async () => {
    const c = new MemoryClient();
    expect((await caught(c.saveToDisk())).message).toMatch(/^No persist path/);
    expect((await caught(c.saveToDisk('/nonexistent-s3db-dir/sub/file.json'))).message).toMatch(/does not exist/);
    expect(fs.existsSync('/nonexistent-s3db-dir')).toBe(false);
  });
});

/** A test double with s3db.js's client interface: objects in a Map, under its own key prefix. */
class MapClient {
  constructor(keyPrefix = 'app') {
    this.objects = new Map();
    this.config = { bucket: 'double', keyPrefix };
    this.calls = [];
    this.version = 0;
  }

  full(key) { return `${this.config.keyPrefix}/${key}`; }

  async putObject({ key, metadata = {}, body, contentType }) {
    this.calls.push(['put', key]);
    const etag = `"v${++this.version}"`;
    this.objects.set(this.full(key), { metadata: { ...metadata }, body: body ? Buffer.from(body) : Buffer.alloc(0), contentType, etag });
    return { ETag: etag };
  }

  async getObject(key) {
    this.calls.push(['get', key]);
    const object = this.objects.get(this.full(key));
    if (!object) throw Object.assign(new Error(`no ${key}`), { name: 'NoSuchKey' });
    return { Metadata: object.metadata, Body: object.body, ContentType: object.contentType, ContentLength: object.body.length, ETag: object.etag, LastModified: new Date() };
  }

  async headObject(key) {
    const { Body, ...head } = await this.getObject(key);
    return head;
  }

  async copyObject({ from, to }) { this.objects.set(this.full(to), { ...this.objects.get(this.full(from)) }); }

  async deleteObject(key) { this.objects.delete(this.full(key)); }

  async deleteObjects(keys) {
    keys.forEach((key) => this.objects.delete(this.full(key)));
    return { Deleted: keys.map((Key) => ({ Key })) };
  }

  async listObjects({ prefix = '', maxKeys = 1000, continuationToken } = {}) {
    const all = [...this.objects.keys()].filter((key) => key.startsWith(this.full(prefix))).sort();
    const start = continuationToken ? all.indexOf(continuationToken) + 1 : 0;
    const page = all.slice(start, start + maxKeys);
    const more = start + maxKeys < all.length;
    return { Contents: page.map((Key) => ({ Key })), IsTruncated: more, NextContinuationToken: more ? page[page.length - 1] : undefined };
  }
}

describe('any client object with the s3db.js client interface', () => {
  it('a test double stores records, references and s3db.json through its own methods', async () => {
    const client = new MapClient();
    const db = new S3db({ client });
    await db.connect();
    expect(db.client).toBe(client);
    const users = await db.createResource({ name: 'users', attributes: { name: 'string', age: 'number', pw: 'secret' }, partitions: { byAge: { fields: { age: 'number' } } } });
    const ann = await users.insert({ name: 'Ann', age: 30, pw: 'hunter2' });
    expect(userFieldsOf(await users.get(ann.id))).toEqual({ id: ann.id, name: 'Ann', age: 30, pw: 'hunter2' });
    await users.update(ann.id, { age: 31 });
    expect(await users.listIds({ partition: 'byAge', partitionValues: { age: 31 } })).toEqual([ann.id]);
    expect([...client.objects.keys()].sort()).toEqual([
      'app/resource=users/data/id=' + ann.id, 'app/resource=users/partition=byAge/age=31/id=' + ann.id, 'app/s3db.json',
    ]);
    expect((await caught(users.insert({ id: ann.id, name: 'dup', age: 1, pw: 'x' }))).message).toMatch(/already exists/);
    await users.delete(ann.id);
    expect(await users.count()).toBe(0);
    const reopened = new S3db({ client });
    await reopened.connect();
    expect(Object.keys(reopened.resources)).toEqual(['users']);
  });

  it('a wrapper around a MemoryClient sees every request; client errors reach the caller', async () => {
    const inner = new MemoryClient({ bucket: 'wrapped' });
    const seen = [];
    const wrapper = {
      config: inner.config,
      putObject: (params) => { seen.push('put'); return inner.putObject(params); },
      getObject: (key) => { seen.push('get'); return inner.getObject(key); },
      headObject: (key) => inner.headObject(key),
      copyObject: (params) => inner.copyObject(params),
      deleteObject: (key) => inner.deleteObject(key),
      deleteObjects: (keys) => inner.deleteObjects(keys),
      listObjects: (params) => inner.listObjects(params),
    };
    const db = new S3db({ client: wrapper });
    await db.connect();
    const notes = await db.createResource({ name: 'notes', attributes: { text: 'string' } });
    const note = await notes.insert({ text: 'héllo' });
    expect((await notes.get(note.id)).text).toBe('héllo');
    expect(seen).toContain('put');
    expect(seen).toContain('get');
    wrapper.getObject = async () => { throw new Error('network down'); };
    expect((await caught(notes.get(note.id))).message).toMatch(/network down/);
    expect(caughtSync(() => new S3db({ client: { putObject() {} } })).name).toBe('ConnectionStringError');
  });
});

const userFieldsOf = (record) => Object.fromEntries(Object.entries(record).filter(([key]) => !key.startsWith('_')));

describe('options and names that must not be misread', () => {
  it("s3db.js 21's `security: {passphrase}` encrypts with that passphrase, not the default", async () => {
    const url = uniqueUrl('vault');
    const writer = await connected({ connectionString: url, security: { passphrase: 'my-vault-key' } });
    const vault = await writer.createResource({ name: 'vault', attributes: { token: 'secret' } });
    await vault.insert({ id: 'v1', token: 'shh' });
    const reader = await connected({ connectionString: url, passphrase: 'my-vault-key' });
    expect((await reader.resources.vault.get('v1')).token).toBe('shh');
    const outsider = await connected({ connectionString: url });
    expect(await caught(outsider.resources.vault.get('v1'))).toBeInstanceOf(CryptoError);
    expect(caughtSync(() => new S3db({ connectionString: url, passphrase: 'a', security: { passphrase: 'b' } }))).toBeInstanceOf(ValidationError);
  });

  it('an option the package does not know (a misspelt passphrase) is reported, not silently ignored', async () => {
    const warnings = [];
    const listener = (warning) => { if (warning.code === 'S3DB_UNKNOWN_OPTION') warnings.push(warning.message); };
    process.on('warning', listener);
    try {
      new S3db({ connectionString: uniqueUrl('typo'), pasphrase: 'x', security: { passprase: 'y' }, logLevel: 'info' });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    expect(warnings).toEqual([
      "S3db option 'pasphrase' is not one s3db-native knows; it is ignored",
      "S3db option 'security.passprase' is not one s3db-native knows; it is ignored",
    ]);
  });

  it('no id climbs out of its database: ../ and // stay inside the key, on the engine and the client API', async () => {
    const app1Url = uniqueUrl('reach', 'app1');
    const app2Url = app1Url.replace(/app1$/, 'app2');
    const app2 = await connected({ connectionString: app2Url });
    const victims = await app2.createResource({ name: 'users', attributes: { name: 'string' } });
    await victims.insert({ id: 'u1', name: 'safe' });
    const app1 = await connected({ connectionString: app1Url });
    const users = await app1.createResource({ name: 'users', attributes: { name: 'string' } });
    const escape = '../../../app2/resource=users/data/id=u1';
    expect(await users.exists(escape)).toBe(false);
    expect(await caught(users.get(escape))).toBeInstanceOf(NoSuchKey);
    expect(await caught(users.update(escape, { name: 'pwned' }))).toBeInstanceOf(Error);
    expect(await caught(users.delete(escape))).toBeInstanceOf(NoSuchKey);
    await users.deleteMany([escape]);
    expect((await victims.get('u1')).name).toBe('safe');
    await app1.client.putObject({ key: '../outside', metadata: {}, body: 'x' });
    expect(await app1.client.exists('../outside')).toBe(true);
    expect(await app2.client.exists('../outside')).toBe(false);
    expect((await app1.client.getAllKeys({})).filter((k) => k.includes('outside'))).toEqual(['../outside']);
  });

  it('connection string errors name what was wrong without echoing huge or object input', () => {
    const notText = caughtSync(() => new S3db({ connectionString: { bucket: 'b' } }));
    expect(notText.name).toBe('ConnectionStringError');
    expect(notText.message).toBe('A connection string must be a string, got object');
    const huge = caughtSync(() => new S3db({ connectionString: 'x'.repeat(10000) }));
    expect(huge.message.length).toBeLessThan(300);
    expect(huge.message).toMatch(/\(10000 characters\)$/);
    expect(new S3db({ connectionString: new URL('memory://from-url/p') }).bucket).toBe('from-url');
  });

  it('resources named like Object.prototype members work, survive reconnects and pollute nothing', async () => {
    const url = uniqueUrl('names');
    const db = await connected({ connectionString: url });
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const resource = await db.createResource({ name, attributes: { v: 'string' } });
      await resource.insert({ id: 'x', v: name });
    }
    expect(({}).v).toBeUndefined();
    const again = await connected({ connectionString: url });
    expect(Object.keys(again.resources).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    expect((await again.resources.constructor.get('x')).v).toBe('constructor');
    expect((await again.resource('__proto__').get('x')).v).toBe('__proto__');
    expect(again.resourceExists('valueOf')).toBe(false);
  });
});

describe('the rest of the Resource API', () => {
  it('validate() without writing; updateAttributes() redefines', async () => {
    const db = await connected();
    const users = await db.createResource({ name: uniqueName('users'), attributes: { name: 'string|min:2', email: 'email' } });
    const bad = await users.validate({ id: 'x', name: 'A', email: 'nope' });
    expect(bad.isValid).toBe(false);
    expect(bad.errors.map((e) => e.field)).toEqual(['name', 'email']);
    expect((await users.validate({ name: 'Ann', email: 'ann@example.com' })).isValid).toBe(true);
    expect(await users.count()).toBe(0);
    expect((await caught(users.validate({ name: 'A' }, { throwOnError: true })))).toBeInstanceOf(ValidationError);
    const { oldAttributes } = users.updateAttributes({ name: 'string', email: 'email', age: 'number|optional' });
    expect(oldAttributes).toEqual({ name: 'string|min:2', email: 'email' });
    const ann = await users.insert({ name: 'A', email: 'a@example.com', age: 3 });
    expect((await users.get(ann.id)).age).toBe(3);
  });

  it('binary content lives in the record body; refused where the body holds fields', async () => {
    const db = await connected();
    const files = await db.createResource({ name: uniqueName('files'), attributes: { name: 'string' } });
    const file = await files.insert({ name: 'logo' });
    expect(await files.hasContent(file.id)).toBe(false);
    await files.setContent({ id: file.id, buffer: Buffer.from([1, 2, 3]), contentType: 'image/png' });
    const { buffer, contentType } = await files.content(file.id);
    expect([...buffer]).toEqual([1, 2, 3]);
    expect(contentType).toBe('image/png');
    expect((await files.get(file.id)).name).toBe('logo');
    await files.deleteContent(file.id);
    expect(await files.hasContent(file.id)).toBe(false);
    expect(await files.content('missing')).toEqual({ buffer: null, contentType: null });
    expect(await caught(files.setContent({ id: 'missing', buffer: Buffer.from('x') }))).toBeInstanceOf(ResourceError);
    const docs = await db.createResource({ name: uniqueName('docs'), behavior: 'body-only', attributes: { text: 'string' } });
    const doc = await docs.insert({ text: 'kept' });
    expect(await caught(docs.setContent({ id: doc.id, buffer: Buffer.from('x') }))).toBeInstanceOf(ResourceError);
    expect((await docs.get(doc.id)).text).toBe('kept');
  });

  it('patch/replace argument errors', async () => {
    const db = await connected();
    const things = await db.createResource({ name: uniqueName('things'), attributes: { name: 'string' } });
    expect((await caught(things.patch('a', {}))).message).toBe('fields must be a non-empty object');
    expect((await caught(things.replace('a', null))).message).toBe('fullData must be a non-empty object');
  });

  it('new Resource({client, ...}) reads and writes without touching s3db.json', async () => {
    const db = await connected();
    const standalone = new Resource({ name: 'loose', client: db.client, attributes: { name: 'string' }, partitions: { byName: { fields: { name: 'string' } } } });
    const record = await standalone.insert({ name: 'x' });
    expect((await standalone.get(record.id)).name).toBe('x');
    expect(await standalone.listIds({ partition: 'byName', partitionValues: { name: 'x' } })).toEqual([record.id]);
    const catalogue = JSON.parse(await (await db.client.getObject('s3db.json')).Body.transformToString());
    expect(catalogue.resources.loose).toBeUndefined();
  });

  it('persistHooks stores hook source in s3db.json and restores the hooks on connect', async () => {
    const url = uniqueUrl('persist-hooks');
    const first = new S3db({ connectionString: url, persistHooks: true });
    await first.connect();
    await first.createResource({
      name: 'members',
      attributes: { name: 'string' },
      hooks: { beforeInsert: [function longEnough(member) { if (member.name.length < 2) throw new Error('Name too short'); return member; }] },
    });
    const saved = first.savedMetadata.resources.members.versions.v1.hooks.beforeInsert;
    expect(saved).toEqual([expect.objectContaining({ __s3db_serialized_function: true, name: 'longEnough' })]);
    await first.disconnect();

    const second = await connected({ connectionString: url, persistHooks: true });
    expect((await caught(second.resources.members.insert({ name: 'X' }))).message).toBe('Name too short');
    expect((await second.resources.members.insert({ name: 'Xena' })).name).toBe('Xena');
    // Without the option nothing stored is run.
    const third = await connected({ connectionString: url });
    expect((await third.resources.members.insert({ name: 'Y' })).name).toBe('Y');
  });

  it('a lone UTF-16 surrogate in a document is stored as U+FFFD instead of failing', async () => {
    const db = await connected();
    const notes = await db.createResource({ name: uniqueName('notes'), attributes: { text: 'string' } });
    const note = await notes.insert({ text: 'a\ud800b' });
    expect((await notes.get(note.id)).text).toBe('a\ufffdb');
  });
});
