// ReplicatorPlugin from the user's side, into real targets: another s3db database, a webhook
// served by a local HTTP server, a PostgreSQL started for the test, and SQS on moto.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer } from 'node:http';
import { ReplicatorPlugin, ReplicationError, createReplicator, validateReplicatorConfig, REPLICATOR_DRIVERS } from '../lib/index.mjs';
import { uniqueUrl, uniqueMemoryUrl, caughtSync, caught, TARGET, s3Endpoint, eventually, databasesClosedAfterEach } from './helpers.mjs';
import { postgresAvailable, startPostgres } from './setup/postgres.mjs';

const open = databasesClosedAfterEach();
const database = (url = uniqueUrl('replicator')) => open(url);

const USERS = { name: 'users', attributes: { name: 'string', email: 'email|optional', tags: 'array|items:string|optional', profile: 'object|optional' } };

describe('ReplicatorPlugin into another s3db database', () => {
  it('replicates inserts, updates and deletes, and syncAllData copies what existed before', async () => {
    const source = await database();
    const target = await database(uniqueMemoryUrl('replica'));
    const users = await source.createResource(USERS);
    await target.createResource(USERS);
    await target.createResource({ name: 'people', attributes: { name: 'string', email: 'email|optional' } });
    await users.insert({ id: 'before', name: 'Existing', email: 'e@example.com' });

    const plugin = new ReplicatorPlugin({
      replicators: [{ driver: 's3db', client: target, resources: { users: [{ resource: 'users' }, { resource: 'people', actions: ['insert'], transform: ({ name, email }) => ({ name: name.toUpperCase(), email }) }] } }],
    });
    const events = [];
    plugin.on('replicated', (event) => events.push(event));
    await source.usePlugin(plugin);

    await users.insert({ id: 'u1', name: 'Ana', email: 'ana@example.com', tags: ['a'], profile: { city: 'Lisbon' } });
    expect(await eventually(() => target.resources.users.get('u1').catch(() => null))).toMatchObject({ name: 'Ana', tags: ['a'], profile: { city: 'Lisbon' } });
    expect((await eventually(() => target.resources.people.get('u1').catch(() => null))).name).toBe('ANA');

    await users.update('u1', { name: 'Ana Maria' });
    await eventually(async () => (await target.resources.users.get('u1')).name === 'Ana Maria');
    expect((await target.resources.people.get('u1')).name).toBe('ANA'); // people takes inserts only

    await users.delete('u1');
    await eventually(async () => !(await target.resources.users.exists('u1')));
    expect(events.every((event) => event.success)).toBe(true);

    // deleteMany's deletes replicate too (its event carries only a count).
    await users.insertMany([{ id: 'm1', name: 'M1' }, { id: 'm2', name: 'M2' }]);
    await eventually(async () => (await target.resources.users.exists('m1')) && target.resources.users.exists('m2'));
    await users.deleteMany(['m1', 'm2']);
    await eventually(async () => !(await target.resources.users.exists('m1')) && !(await target.resources.users.exists('m2')));

    expect(await target.resources.users.exists('before')).toBe(false);
    const [replicator] = plugin.replicators;
    await plugin.syncAllData(replicator.id);
    expect((await target.resources.users.get('before')).name).toBe('Existing');
    await plugin.syncAllData(replicator.id); // replaying converges instead of failing on existing ids
    expect(await target.resources.users.count()).toBe(1);
  });

  it('replicates resources created after the plugin, and reports a missing destination without crashing', async () => {
    const source = await database();
    const target = await database(uniqueMemoryUrl('replica'));
    const plugin = new ReplicatorPlugin({
      persistReplicatorLog: true,
      maxRetries: 1,
      replicators: [{ driver: 's3db', client: target, resources: ['orders', 'ghosts'] }],
    });
    await source.usePlugin(plugin);
    await target.createResource({ name: 'orders', attributes: { total: 'number' } });
    const orders = await source.createResource({ name: 'orders', attributes: { total: 'number' } });
    await orders.insert({ id: 'o1', total: 10 });
    expect((await eventually(() => target.resources.orders.get('o1').catch(() => null))).total).toBe(10);

    const errors = [];
    plugin.on('replicator_error', (event) => errors.push(event));
    const ghosts = await source.createResource({ name: 'ghosts', attributes: { name: 'string' } });
    await ghosts.insert({ id: 'g1', name: 'nobody replicates me' });
    await eventually(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ resourceName: 'ghosts', operation: 'insert', recordId: 'g1' });
    expect(errors[0].error).toMatch(/Destination resource not found/);
    const logged = await eventually(async () => (await plugin.replicatorLog.query({ resourceName: 'ghosts' }))[0]);
    expect(logged).toMatchObject({ operation: 'insert', recordId: 'g1', status: 'error' });

    // Once the destination exists, the logged failure is replayed and marked.
    await target.createResource({ name: 'ghosts', attributes: { name: 'string' } });
    expect(await plugin.retryFailedReplicators()).toEqual({ retried: 1 });
    expect((await target.resources.ghosts.get('g1')).name).toBe('nobody replicates me');
    expect((await plugin.replicatorLog.get(logged.id)).status).toBe('retried');
    expect(await plugin.retryFailedReplicators()).toEqual({ retried: 0 });
  });

  it('validates its configuration', () => {
    expect(caughtSync(() => new ReplicatorPlugin({})).message).toBe('ReplicatorPlugin requires replicators array');
    expect(caughtSync(() => new ReplicatorPlugin({ replicators: [{ resources: ['a'] }] })).name).toBe('ReplicationError');
    expect(caughtSync(() => new ReplicatorPlugin({ replicators: [{ driver: 's3db', resources: {} }] })).message).toMatch(/at least one resource/);
    expect(caughtSync(() => createReplicator('carrier-pigeon'))).toBeInstanceOf(ReplicationError);
    expect(validateReplicatorConfig('postgres', {}, { users: 'users' }).errors).toContain('Either connectionString or host+database must be provided');
    expect(Object.keys(REPLICATOR_DRIVERS).sort()).toEqual(['bigquery', 'dynamodb', 'mariadb', 'mongodb', 'mysql', 'planetscale', 'postgres', 's3db', 'sqs', 'turso', 'webhook']);
  });

  it('names the optional package a driver needs when it is missing', async () => {
    const replicator = createReplicator('mongodb', { database: 'app' }, { users: 'users' });
    const error = await caught(replicator.initialize({ resources: {} }));
    expect(error.name).toBe('ReplicationError');
    expect(error.message).toBe("MongoDBReplicator needs the optional package 'mongodb': npm install mongodb");
  });
});

describe.runIf(TARGET === 'memory')('WebhookReplicator against a local HTTP server', () => {
  let server;
  let url;
  const received = [];
  let failuresLeft = 0;
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => { body += chunk; });
      request.on('end', () => {
        received.push({ headers: request.headers, body: JSON.parse(body) });
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          response.writeHead(503).end('busy');
          return;
        }
        response.writeHead(request.headers.authorization === 'Bearer s3cret' ? 200 : 401).end();
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${server.address().port}/hook`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('posts each change with its auth header, retrying a 503, and batches when asked', async () => {
    const source = await database();
    const users = await source.createResource(USERS);
    const plugin = new ReplicatorPlugin({
      replicators: [{ driver: 'webhook', url, auth: { type: 'bearer', token: 's3cret' }, retryDelay: 10, headers: { 'X-Env': 'test' }, resources: ['users'] }],
    });
    await source.usePlugin(plugin);
    failuresLeft = 1;
    await users.insert({ id: 'w1', name: 'Web', email: 'web@example.com' });
    await eventually(() => received.filter((r) => r.body.data?.id === 'w1').length === 2);
    const delivered = received.filter((r) => r.body.data?.id === 'w1');
    expect(delivered[1].headers['x-env']).toBe('test');
    expect(delivered[1].body).toMatchObject({ resource: 'users', action: 'insert', source: 's3db-webhook-replicator', data: { id: 'w1', name: 'Web' } });
    // The server saw the request before the replicator read the answer: wait for the latter.
    await eventually(() => plugin.replicators[0].stats.successfulRequests === 1);
    expect(plugin.replicators[0].stats).toMatchObject({ totalRequests: 2, successfulRequests: 1, retriedRequests: 1 });

    await users.update('w1', { name: 'Web 2' });
    const update = await eventually(() => received.find((r) => r.body.action === 'update'));
    expect(update.body.before).toMatchObject({ id: 'w1', name: 'Web' });
    expect(update.body.data).toMatchObject({ id: 'w1', name: 'Web 2' });

    const batcher = createReplicator('webhook', { url, batch: true, batchSize: 2, auth: { type: 'bearer', token: 's3cret' } }, ['users']);
    const outcome = await batcher.replicateBatch('users', [1, 2, 3].map((n) => ({ id: `b${n}`, operation: 'insert', data: { id: `b${n}` } })));
    expect(outcome).toMatchObject({ success: true, total: 3, successful: 3 });
    expect(received.filter((r) => r.body.batch).map((r) => r.body.batch.length)).toEqual([2, 1]);
  });

  it('a refused webhook is a replicator_error, not a crash', async () => {
    const source = await database();
    const users = await source.createResource(USERS);
    const plugin = new ReplicatorPlugin({ replicators: [{ driver: 'webhook', url, retries: 0, resources: ['users'] }] });
    await source.usePlugin(plugin);
    const errors = [];
    plugin.on('replicator_error', (event) => errors.push(event));
    await users.insert({ id: 'nope', name: 'Unauthorised' });
    await eventually(() => errors.length > 0);
    expect(errors[0]).toMatchObject({ resourceName: 'users', operation: 'insert', recordId: 'nope' });
    expect(errors[0].error).toMatch(/401/);
  });
});

// In CI a missing PostgreSQL fails the run instead of skipping these tests.
describe.runIf(TARGET === 'memory' && (process.env.CI || postgresAvailable()))('PostgresReplicator into a real PostgreSQL', () => {
  let server;
  let pgClient;
  beforeAll(async () => {
    server = await startPostgres();
    const { default: pg } = await import('pg');
    pgClient = new pg.Client({ connectionString: server.connectionString });
    await pgClient.connect();
  }, 60_000);
  afterAll(async () => {
    await pgClient?.end();
    await server?.stop();
  });

  it('creates the table from the schema, and inserts, updates and deletes land as rows', async () => {
    const source = await database();
    const users = await source.createResource({ name: 'users', attributes: { name: 'string|max:40', age: 'number|integer|optional', active: 'boolean|optional', tags: 'array|items:string|optional', profile: 'object|optional' } });
    await users.insert({ id: 'before', name: "O'Brien", age: 50 });
    const plugin = new ReplicatorPlugin({
      replicators: [{
        driver: 'postgres',
        config: { connectionString: server.connectionString, schemaSync: { enabled: true }, logTable: 'replication_log' },
        resources: { users: { table: 'app_users', actions: ['insert', 'update', 'delete'] } },
      }],
    });
    await source.usePlugin(plugin);

    const columns = await pgClient.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'app_users' ORDER BY column_name");
    expect(Object.fromEntries(columns.rows.map((c) => [c.column_name, c.data_type]))).toEqual({
      active: 'boolean', age: 'bigint', id: 'character varying', name: 'character varying', profile: 'jsonb', tags: 'jsonb',
    });

    await users.insert({ id: 'p1', name: 'Ana', age: 31, active: true, tags: ['x', 'y'], profile: { city: 'Porto' } });
    const row = await eventually(async () => (await pgClient.query('SELECT * FROM app_users WHERE id = $1', ['p1'])).rows[0]);
    expect(row).toMatchObject({ id: 'p1', name: 'Ana', age: '31', active: true, tags: ['x', 'y'], profile: { city: 'Porto' } });

    await users.update('p1', { age: 32 });
    await eventually(async () => (await pgClient.query('SELECT age FROM app_users WHERE id = $1', ['p1'])).rows[0]?.age === '32');

    await users.delete('p1');
    await eventually(async () => (await pgClient.query('SELECT count(*)::int AS n FROM app_users WHERE id = $1', ['p1'])).rows[0].n === 0);

    await plugin.syncAllData(plugin.replicators[0].id);
    expect((await pgClient.query('SELECT name FROM app_users WHERE id = $1', ['before'])).rows[0].name).toBe("O'Brien");

    const log = await pgClient.query('SELECT operation, record_id FROM replication_log ORDER BY id');
    expect(log.rows.map((r) => `${r.operation}:${r.record_id}`)).toEqual(['insert:p1', 'update:p1', 'delete:p1', 'insert:before']);
  });

  it('schema sync adds the columns a table lacks', async () => {
    await pgClient.query('CREATE TABLE legacy (id VARCHAR(255) PRIMARY KEY, name TEXT)');
    const source = await database();
    const users = await source.createResource({ name: 'users', attributes: { name: 'string', score: 'number' } });
    const plugin = new ReplicatorPlugin({
      replicators: [{ driver: 'postgres', config: { connectionString: server.connectionString, schemaSync: { enabled: true } }, resources: { users: { table: 'legacy', actions: ['insert'] } } }],
    });
    await source.usePlugin(plugin);
    await users.insert({ id: 'l1', name: 'Lee', score: 9.5 });
    const row = await eventually(async () => (await pgClient.query('SELECT * FROM legacy')).rows[0]);
    expect(row).toEqual({ id: 'l1', name: 'Lee', score: 9.5 });
  });
});

describe.runIf(TARGET === 'moto')('SqsReplicator into SQS on moto', () => {
  it('sends each change as a message to the queue', async () => {
    const { SQSClient, CreateQueueCommand, ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: s3Endpoint(), credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `replication-${Date.now()}` }));
    const source = await database();
    const users = await source.createResource(USERS);
    const plugin = new ReplicatorPlugin({ replicators: [{ driver: 'sqs', client: sqs, queueUrl: QueueUrl, resources: ['users'] }] });
    await source.usePlugin(plugin);
    await users.insert({ id: 'q1', name: 'Queue' });
    await users.delete('q1');
    const bodies = [];
    await eventually(async () => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      bodies.push(...Messages.map((m) => JSON.parse(m.Body)));
      return bodies.length >= 2;
    });
    expect(bodies.map((b) => `${b.action}:${b.data.id}`).sort()).toEqual(['delete:q1', 'insert:q1']);
    expect(bodies[0]).toMatchObject({ resource: 'users', source: 's3db-replicator' });
    sqs.destroy();
  });
});
