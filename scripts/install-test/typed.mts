// A typed program: Resource<T> carries the record type through inserts, reads and queries.
import { S3db, Resource, ValidationError } from 's3db-native';

interface User {
  name: string;
  email: string;
  age: number;
}

const db = new S3db({ connectionString: 'memory://typed/db' });
await db.connect();
const users: Resource<User> = await db.createResource<User>({
  name: 'users',
  attributes: { name: 'string', email: 'email', age: 'number' },
});
const inserted = await users.insert({ name: 'Ada', email: 'ada@example.com', age: 36 });
const id: string = inserted.id;
const fetched = await users.get(id);
const age: number = fetched.age;
const adults = await users.query({ age: 36 });
const names: string[] = adults.map((user) => user.name);
for await (const user of users.readable()) {
  const email: string = user.email;
  console.log(email);
}
try {
  await users.insert({ name: 'x', email: 'not-an-email', age: 1 });
} catch (error) {
  if (error instanceof ValidationError) console.log(error.name);
}
console.log(age, names, users.listenerCount('insert'));
