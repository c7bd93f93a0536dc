// QueueConsumerPlugin from the user's side: messages on a real SQS queue (moto) become inserts,
// updates and deletes; ReplicatorPlugin → SQS → QueueConsumerPlugin copies one database into
// another; bad messages are reported, not thrown.
import { describe, it, expect } from 'vitest';
import { QueueConsumerPlugin, ReplicatorPlugin, QueueError, createConsumer, RabbitMqConsumer } from '../lib/index.mjs';
import { uniqueUrl, uniqueMemoryUrl, caught, caughtSync, TARGET, s3Endpoint, eventually, databasesClosedAfterEach } from './helpers.mjs';

const database = databasesClosedAfterEach();

describe('QueueConsumerPlugin message handling', () => {
  it('applies insert, update and delete messages, and names what a bad message lacks', async () => {
    const db = await database(uniqueUrl('consumer'));
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    const plugin = new QueueConsumerPlugin({ consumers: [] });
    await db.usePlugin(plugin);
    await plugin._handleMessage({ $body: { resource: 'users', action: 'insert', data: { id: 'm1', name: 'Msg' } } }, 'users');
    await plugin._handleMessage({ $body: { resource: 'users', action: 'update', data: { id: 'm1', name: 'Msg 2' } } }, 'users');
    expect((await users.get('m1')).name).toBe('Msg 2');
    await plugin._handleMessage({ $body: { resource: 'users', action: 'delete', data: { id: 'm1' } } }, 'users');
    expect(await users.exists('m1')).toBe(false);

    const missingAction = await caught(plugin._handleMessage({ $body: { resource: 'users', data: {} } }, 'users'));
    expect(missingAction).toBeInstanceOf(QueueError);
    expect(missingAction.message).toBe('Action not found in message');
    expect((await caught(plugin._handleMessage({ $body: { resource: 'nope', action: 'insert', data: {} } }, 'users'))).message).toBe("Resource 'nope' not found");
    expect((await caught(plugin._handleMessage({ $body: { resource: 'users', action: 'merge', data: {} } }, 'users'))).message).toBe("Unsupported action 'merge'");
    expect(caughtSync(() => createConsumer('kafka', {})).message).toMatch(/Unknown consumer driver: kafka/);
  });

  it('names amqplib when the RabbitMQ consumer cannot load it', async () => {
    const consumer = new RabbitMqConsumer({ amqpUrl: 'amqp://127.0.0.1:1', queue: 'q' });
    const error = await caught(consumer.start());
    expect(error.message).toBe("RabbitMqConsumer needs the optional package 'amqplib': npm install amqplib");
    await consumer.stop();
  });
});

describe.runIf(TARGET === 'moto')('QueueConsumerPlugin on SQS (moto)', () => {
  it('consumes a queue into resources, and carries a ReplicatorPlugin stream from one database to another', async () => {
    const { SQSClient, CreateQueueCommand, SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const connection = { region: 'us-east-1', endpoint: s3Endpoint(), credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    const sqs = new SQSClient(connection);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `consumer-${Date.now()}` }));

    const target = await database(uniqueMemoryUrl('consumed'));
    const copies = await target.createResource({ name: 'users', attributes: { name: 'string' } });
    const consumer = new QueueConsumerPlugin({
      consumers: [{ driver: 'sqs', config: { ...connection, poolingInterval: 20, waitTimeSeconds: 0 }, consumers: [{ queueUrl: QueueUrl, resources: 'users' }] }],
    });
    const failures = [];
    consumer.on('message_error', (event) => failures.push(event));
    await target.usePlugin(consumer);

    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ resource: 'users', action: 'insert', data: { id: 'direct', name: 'Direct' } }) }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ resource: 'users' }) }));
    expect((await eventually(() => copies.get('direct'))).name).toBe('Direct');
    await eventually(async () => failures.length > 0);
    expect(failures[0].error).toBe('Action not found in message');

    const source = await database(uniqueUrl('producer'));
    const users = await source.createResource({ name: 'users', attributes: { name: 'string' } });
    await source.usePlugin(new ReplicatorPlugin({ replicators: [{ driver: 'sqs', client: sqs, queueUrl: QueueUrl, resources: ['users'] }] }));
    await users.insert({ id: 'r1', name: 'Replicated' });
    expect((await eventually(() => copies.get('r1'))).name).toBe('Replicated');
    await users.update('r1', { name: 'Replicated 2' });
    await eventually(async () => (await copies.get('r1')).name === 'Replicated 2');
    await users.delete('r1');
    await eventually(async () => !(await copies.exists('r1')));
    sqs.destroy();
  });
});
