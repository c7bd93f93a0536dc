// Bad input: every failure is a JS Error with a stable `name` and a clear message, never a crash.
import { describe, it, expect, afterAll } from 'vitest';
import {
  S3db, ConnectionString, ConnectionStringError, ValidationError, InvalidResourceItem, ResourceNotFound,
  ResourceError, SchemaError, PartitionError, CryptoError, MetadataLimitError, NoSuchKey, BaseError, MemoryClient,
} from '../lib/index.mjs';
import { uniqueUrl, uniqueName, caught, caughtSync, guardedSetup } from './helpers.mjs';

function expectError(error, name) {
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe(name);
  expect(typeof error.message).toBe('string');
  expect(error.message.length).toBeGreaterThan(0);
}

describe('connection strings', () => {
  it('an unparsable connection string throws ConnectionStringError', () => {
    const error = caughtSync(() => new S3db({ connectionString: 'not a url at all' }));
    expectError(error, 'ConnectionStringError');
    expect(error).toBeInstanceOf(ConnectionStringError);
    expect(error.message).toBe('Invalid connection string: not a url at all');
  });

  it('ConnectionString itself rejects invalid input the same way', () => {
    const error = caughtSync(() => new ConnectionString('::::'));
    expect(error).toBeInstanceOf(ConnectionStringError);
    expect(error.message).toContain('Invalid connection string');
  });

  it('an unsupported protocol throws ConnectionStringError naming it', () => {
    const error = caughtSync(() => new S3db({ connectionString: 'ftp://host/bucket' }));
    expectError(error, 'ConnectionStringError');
    expect(error.message).toContain('ftp');
  });

  it('invalid S3 options are refused when the database is built, without the secret in the message', () => {
    for (const connectionString of [
      'http://KEY:SECRET-VALUE@localhost:9000/bucket?requestTimeout=soon',
      'http://KEY:SECRET-VALUE@localhost:9000/bucket?conditionalWrites=sometimes',
      'http://KEY:SECRET-VALUE@localhost:9000/bucket?requestChecksumCalculation=never',
    ]) {
      const error = caughtSync(() => new S3db({ connectionString }));
      expectError(error, 'ConnectionStringError');
      expect(error.message).not.toContain('SECRET-VALUE');
    }
  });

  it('a Database without any storage option is refused clearly', () => {
    const error = caughtSync(() => new S3db({}));
    expectError(error, 'ConnectionStringError');
  });
});

describe('resource definitions', () => {
  let db;
  guardedSetup(async () => {
    db = new S3db({ connectionString: uniqueUrl('errdefs') });
    await db.connect();
  });
  afterAll(async () => { await db?.disconnect(); });

  it('an unknown attribute type is refused with a SchemaError naming it', async () => {
    const error = await caught(db.createResource({ name: 'typo', attributes: { name: 'strng' } }));
    expectError(error, 'SchemaError');
    expect(error).toBeInstanceOf(SchemaError);
    expect(error.message).toContain('strng');
    expect(db.resourceExists('typo')).toBe(false);
    expect(db.savedMetadata.resources.typo).toBeUndefined();
  });

  it('missing name and empty attributes are listed in one ResourceError', async () => {
    const error = await caught(db.createResource({ attributes: {} }));
    expectError(error, 'ResourceError');
    expect(error).toBeInstanceOf(ResourceError);
    expect(error.message).toMatch(/^Invalid Resource .* configuration:/);
    expect(error.message).toContain("Resource 'name' is required");
    expect(error.message).toContain("Resource 'attributes' cannot be empty");
  });

  it('a non-boolean flag is refused', async () => {
    const error = await caught(db.createResource({ name: 'flags', attributes: { a: 'string' }, paranoid: 'yes' }));
    expectError(error, 'ResourceError');
    expect(error.message).toContain("Resource 'paranoid' must be a boolean");
  });

  it('an unknown behavior is refused', async () => {
    const error = await caught(db.createResource({ name: 'beh', attributes: { a: 'string' }, behavior: 'made-up' }));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('BehaviorError');
    expect(error.message).toBe('Unknown behavior: made-up');
  });

  it('a partition on a field that does not exist is a PartitionError', async () => {
    const error = await caught(db.createResource({
      name: 'badpart', attributes: { name: 'string' }, partitions: { byCountry: { fields: { 'profile.country': 'string' } } },
    }));
    expectError(error, 'PartitionError');
    expect(error).toBeInstanceOf(PartitionError);
    expect(error.message).toContain("Partition 'byCountry' uses field 'profile.country' which does not exist in resource attributes");
  });

  it('a non-object configuration is refused', async () => {
    for (const config of [null, 'users', 42]) {
      const error = await caught(db.createResource(config));
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('ResourceError');
    }
  });

  it('an unknown hook name is refused', async () => {
    const error = await caught(db.createResource({ name: 'badhook', attributes: { a: 'string' }, hooks: { beforeNothing: [() => {}] } }));
    expectError(error, 'ResourceError');
    expect(error.message).toMatch(/^Invalid Resource badhook configuration:/);
    expect(error.message).toContain("Invalid hook event 'beforeNothing'");
    expect(db.resourceExists('badhook')).toBe(false);
    expect(db.savedMetadata.resources.badhook).toBeUndefined();
  });

  it('a non-function event listener is refused before anything is stored', async () => {
    const error = await caught(db.createResource({ name: 'badevents', attributes: { a: 'string' }, events: { insert: 'not a function' } }));
    expectError(error, 'ResourceError');
    expect(error.message).toMatch(/^Invalid Resource badevents configuration:/);
    expect(error.message).toContain("Resource 'events.insert' must be a function or array of functions");
    expect(db.resourceExists('badevents')).toBe(false);
    expect(db.savedMetadata.resources.badevents).toBeUndefined();
  });
});

describe('unknown resources', () => {
  it('getResource of a missing name rejects with ResourceNotFound', async () => {
    const db = new S3db({ connectionString: uniqueUrl('errres') });
    await db.connect();
    const error = await caught(db.getResource('nothing-here'));
    expectError(error, 'ResourceNotFound');
    expect(error).toBeInstanceOf(ResourceNotFound);
    expect(error.message).toContain('nothing-here');
    expect(db.resource('nothing-here')).toBeUndefined();
    expect(db.resources['nothing-here']).toBeUndefined();
    await db.disconnect();
  });
});

describe('record operations with bad input', () => {
  let db;
  let users;
  guardedSetup(async () => {
    db = new S3db({ connectionString: uniqueUrl('errops') });
    await db.connect();
    users = await db.createResource({
      name: 'users',
      attributes: {
        name: 'string|required|min:2',
        email: 'email|optional',
        age: 'number|optional',
        score: 'number|positive|optional',
        active: 'boolean|optional',
      },
    });
  });
  afterAll(async () => { await db?.disconnect(); });

  it('a missing required field is InvalidResourceItem with the fastest-validator message and errors', async () => {
    const error = await caught(users.insert({ email: 'a@b.io' }));
    expectError(error, 'InvalidResourceItem');
    expect(error).toBeInstanceOf(InvalidResourceItem);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toBeInstanceOf(BaseError);
    expect(error.message).toBe("The 'name' field is required.");
    expect(Array.isArray(error.errors)).toBe(true);
    expect(error.errors[0]).toMatchObject({ type: 'required', message: "The 'name' field is required.", field: 'name' });
  });

  it('fastest-validator messages are reproduced verbatim', async () => {
    const cases = [
      [{ name: 'a' }, "The 'name' field length must be greater than or equal to 2 characters long.", 'stringMin', 'name'],
      [{ name: 'Ann', age: 'abc' }, "The 'age' field must be a number.", 'number', 'age'],
      [{ name: 'Ann', email: 'not-an-email' }, "The 'email' field must be a valid e-mail.", 'email', 'email'],
      [{ name: 'Ann', score: -1 }, "The 'score' field must be a positive number.", 'numberPositive', 'score'],
      [{ name: 'Ann', active: 'yes' }, "The 'active' field must be a boolean.", 'boolean', 'active'],
      [{ name: 42 }, "The 'name' field must be a string.", 'string', 'name'],
    ];
    for (const [doc, message, type, field] of cases) {
      const error = await caught(users.insert(doc));
      expect({ doc, name: error.name, message: error.message }).toEqual({ doc, name: 'InvalidResourceItem', message });
      expect(error.errors[0]).toMatchObject({ type, field, message });
    }
  });

  it('every failing field is listed in `errors`', async () => {
    const error = await caught(users.insert({ age: 'x', active: 'y' }));
    const fields = error.errors.map((e) => e.field).sort();
    expect(fields).toEqual(['active', 'age', 'name']);
    for (const issue of error.errors) {
      expect(typeof issue.type).toBe('string');
      expect(typeof issue.message).toBe('string');
    }
  });

  it('nothing is written when validation fails', async () => {
    const before = await users.count();
    await caught(users.insert({ id: 'invalid-1', name: 'x' }));
    expect(await users.exists('invalid-1')).toBe(false);
    expect(await users.count()).toBe(before);
  });

  it('a missing, empty or object id is refused on get/update/delete', async () => {
    for (const op of ['get', 'delete']) {
      const missing = await caught(users[op]());
      expectError(missing, 'ValidationError');
      expect(missing.message).toBe('id cannot be empty');
      const empty = await caught(users[op](''));
      expect(empty.message).toBe('id cannot be empty');
      const object = await caught(users[op]({ id: 'x' }));
      expectError(object, 'ValidationError');
      expect(object.message).toBe('id cannot be an object');
    }
    expect((await caught(users.update('', { name: 'Ann' }))).message).toBe('id cannot be empty');
    expect((await caught(users.update({}, { name: 'Ann' }))).message).toBe('id cannot be an object');
  });

  it('an object as document id is refused on insert', async () => {
    const error = await caught(users.insert({ id: { nested: true }, name: 'Ann' }));
    expectError(error, 'ValidationError');
    expect(error.message).toBe('id cannot be an object');
  });

  it('non-object documents are refused with ValidationError', async () => {
    for (const doc of [null, undefined, ['name', 'Ann'], 'Ann', 42, true]) {
      const error = await caught(users.insert(doc));
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(/object/);
    }
    for (const doc of [null, [], 'Ann', 7]) {
      expect((await caught(users.update('someone', doc))).name).toBe('ValidationError');
      expect((await caught(users.replace('someone', doc))).name).toBe('ValidationError');
      expect((await caught(users.upsert(doc))).name).toBe('ValidationError');
    }
    expect((await caught(users.insertMany('not an array'))).name).toBe('ValidationError');
    expect((await caught(users.getMany('not an array'))).name).toBe('ValidationError');
    expect((await caught(users.deleteMany('not an array'))).name).toBe('ValidationError');
  });

  it('an oversized id (> 1024 bytes) is refused, not written', async () => {
    const long = 'x'.repeat(1100);
    const before = await users.count();
    const inserted = await caught(users.insert({ id: long, name: 'Long' }));
    expectError(inserted, 'ValidationError');
    expect(inserted.message).toMatch(/id/);
    expect((await caught(users.get(long))).name).toBe('ValidationError');
    expect(await users.count()).toBe(before);
  });

  it('ids containing "/" are refused on insert', async () => {
    const before = await users.count();
    for (const id of ['dir/sub', 'a/../b', '/lead']) {
      const error = await caught(users.insert({ id, name: 'Slash' }));
      expectError(error, 'ValidationError');
      expect(error.message).toContain('Invalid id');
      expect(error.message).toContain('/');
    }
    expect(await users.count()).toBe(before);
  });

  it('inserting an existing id fails with "already exists" and keeps the first record', async () => {
    await users.insert({ id: 'dup', name: 'First' });
    const error = await caught(users.insert({ id: 'dup', name: 'Second' }));
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("Resource with id 'dup' already exists");
    expect((await users.get('dup')).name).toBe('First');
    await users.delete('dup');
  });

  it('get of a missing record is NoSuchKey whose message also says it does not exist', async () => {
    const error = await caught(users.get('non-existent-id'));
    expectError(error, 'NoSuchKey');
    expect(error).toBeInstanceOf(NoSuchKey);
    expect(error.message).toContain('No such key');
    expect(error.message).toContain('does not exist');
  });

  it('delete of a missing record is refused', async () => {
    const error = await caught(users.delete('non-existent-id'));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('NoSuchKey');
  });

  it('BigInt values are refused with ValidationError', async () => {
    const error = await caught(users.insert({ name: 'Big', age: 10n }));
    expectError(error, 'ValidationError');
    expect(error.message).toMatch(/BigInt/);
    const update = await caught(users.update('anyone', { age: 1n }));
    expect(update.name).toBe('ValidationError');
  });

  it('circular documents are refused with ValidationError', async () => {
    const doc = { name: 'Loop' };
    doc.self = doc;
    const error = await caught(users.insert(doc));
    expectError(error, 'ValidationError');
    expect(error.message).toMatch(/circular/i);
  });

  it('a partition that does not exist is refused on list/count', async () => {
    const error = await caught(users.listIds({ partition: 'byNothing', partitionValues: { x: 1 } }));
    expectError(error, 'PartitionError');
    expect(error.message).toBe("Partition 'byNothing' not found");
    expect((await caught(users.count({ partition: 'byNothing', partitionValues: { x: 1 } }))).name).toBe('PartitionError');
  });

  it('list and page never throw on an unknown partition', async () => {
    expect(await users.list({ partition: 'byNothing', partitionValues: { x: 1 } })).toEqual([]);
    const page = await users.page({ partition: 'byNothing', partitionValues: { x: 1 }, size: 5 });
    expect(page.items).toEqual([]);
    expect(page.totalItems).toBeNull();
    expect(page._debug.actualItemsReturned).toBe(0);
  });

  it('enforce-limits refuses records over 2 KB with MetadataLimitError', async () => {
    const strict = await db.createResource({ name: 'strict', attributes: { name: 'string', bio: 'string|optional' }, behavior: 'enforce-limits' });
    const error = await caught(strict.insert({ id: 'e2', name: 'Too big', bio: 'x'.repeat(2100) }));
    expectError(error, 'MetadataLimitError');
    expect(error).toBeInstanceOf(MetadataLimitError);
    expect(error.message).toBe('Metadata size exceeds 2KB limit on insert');
    expect(await strict.exists('e2')).toBe(false);
  });

  it('the database keeps working after all of the above', async () => {
    const rec = await users.insert({ name: 'Still fine' });
    expect((await users.get(rec.id)).name).toBe('Still fine');
    await users.delete(rec.id);
  });
});

describe('secrets read with the wrong passphrase', () => {
  it('get rejects with a CryptoError; getMany flags the record', async () => {
    const url = uniqueUrl('passphrase');
    const writer = new S3db({ connectionString: url, passphrase: 'right-passphrase' });
    await writer.connect();
    const vault = await writer.createResource({ name: 'vault', attributes: { label: 'string', token: 'secret' } });
    await vault.insert({ id: 'v1', label: 'api', token: 'tok-123' });
    expect((await vault.get('v1')).token).toBe('tok-123');

    const reader = new S3db({ connectionString: url, passphrase: 'wrong-passphrase' });
    await reader.connect();
    const error = await caught(reader.resources.vault.get('v1'));
    expectError(error, 'CryptoError');
    expect(error).toBeInstanceOf(CryptoError);
    expect(error.message).toMatch(/decrypt/i);
    expect(error.message).not.toContain('tok-123');

    const [item] = await reader.resources.vault.getMany(['v1']);
    expect(item.id).toBe('v1');
    expect(item._decryptionFailed).toBe(true);
    expect(typeof item._error).toBe('string');
    expect(item.token).toBeUndefined();

    await writer.disconnect();
    await reader.disconnect();
  });

  it('a per-resource passphrase overrides the database one', async () => {
    const url = uniqueUrl('respass');
    const db = new S3db({ connectionString: url, passphrase: 'db-level' });
    await db.connect();
    const res = await db.createResource({ name: 'keys', attributes: { k: 'secret' }, passphrase: 'resource-level' });
    await res.insert({ id: 'k1', k: 'value' });
    expect((await res.get('k1')).k).toBe('value');
    await db.disconnect();
  });
});

describe('errors are real Error objects', () => {
  it('toString and toJson follow s3db.js', async () => {
    const db = new S3db({ connectionString: uniqueUrl('errjson') });
    await db.connect();
    const error = await caught(db.getResource(uniqueName('missing')));
    expect(String(error)).toBe(`ResourceNotFound | ${error.message}`);
    expect(error.toJson()).toMatchObject({ name: 'ResourceNotFound', message: error.message });
    expect(typeof error.stack).toBe('string');
    await db.disconnect();
  });
});

describe('failures have names of their own', () => {
  it('a wrong argument type reaching the addon is a ValidationError, not napi text', () => {
    const error = caughtSync(() => new MemoryClient({ keyPrefix: 123 }));
    expectError(error, 'ValidationError');
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe('Invalid argument: expected a string, got number');
    expect(error.message).not.toContain('Failed to convert');
  });

  it('store failures are named for what happened and stay s3db errors', async () => {
    const small = new MemoryClient({ enforceLimits: true, maxObjectSize: 4 });
    const tooBig = await caught(small.putObject({ key: 'k', metadata: {}, body: 'too large' }));
    expectError(tooBig, 'EntityTooLarge');
    expect(tooBig).toBeInstanceOf(BaseError);
    const client = new MemoryClient();
    const stale = await caught(client.putObject({ key: 'nothing-here', metadata: {}, ifMatch: '"abc"' }));
    expectError(stale, 'PreconditionFailed');
    const missingDir = await caught(client.saveToDisk('/nonexistent-dir-s3db/x.json'));
    expectError(missingDir, 'PersistError');
    for (const error of [tooBig, stale, missingDir]) expect(error.message).not.toContain('S3DB_NATIVE_ERROR');
  });
});
