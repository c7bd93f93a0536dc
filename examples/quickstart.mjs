// Quickstart: the s3db.js API on the embedded in-memory store (no S3 account needed).
import { S3db } from '../lib/index.mjs';

const db = new S3db({ connectionString: 'memory://quickstart/databases/myapp', passphrase: 'my-secret' });
await db.connect();

const users = await db.createResource({
  name: 'users',
  attributes: {
    name: 'string|min:2|max:100',
    email: 'email',
    age: 'number|integer|positive',
    password: 'secret',
    profile: { city: 'string|optional' },
    tags: 'array|items:string',
  },
  timestamps: true,
});

const alice = await users.insert({
  name: 'Alice', email: 'alice@example.com', age: 31, password: 'hunter2',
  profile: { city: 'Lisbon' }, tags: ['admin', 'beta'],
});
console.log('inserted', alice.id, alice.name, alice.profile.city, alice.tags);

await users.insert({ name: 'Bob', email: 'bob@example.com', age: 25, password: 'pw', tags: ['beta'] });
const updated = await users.update(alice.id, { age: 32 });
console.log('updated age', updated.age, 'secret reads back as', JSON.stringify(updated.password));

console.log('count', await users.count());
console.log('query', (await users.query({ age: 25 })).map((u) => u.name));
console.log('page', (await users.page({ size: 1 })).totalPages, 'pages of 1');

try {
  await users.insert({ name: 'X', email: 'not-an-email', age: -1, password: 'p', tags: [] });
} catch (error) {
  console.log(`${error.name}: ${error.message}`);
}

await users.delete(alice.id);
console.log('after delete', await users.count(), 'record(s) left');
await db.disconnect();
