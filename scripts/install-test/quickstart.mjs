// The README quickstart, as an ESM app imports it.
import { S3db } from 's3db-native';

const db = new S3db({ connectionString: 'memory://my-bucket/databases/myapp' });
await db.connect();
const users = await db.createResource({
  name: 'users',
  attributes: { name: 'string|min:2|max:100', email: 'email', age: 'number|integer|positive', password: 'secret' },
  timestamps: true,
});
const user = await users.insert({ name: 'John Doe', email: 'john@example.com', age: 30, password: 'p4ss' });
await users.update(user.id, { age: 31 });
const stored = await users.get(user.id);
if (stored.age !== 31 || (await users.count()) !== 1) throw new Error(`unexpected record ${JSON.stringify(stored)}`);
console.log('ESM quickstart:', stored.name, stored.age);
await db.disconnect();
