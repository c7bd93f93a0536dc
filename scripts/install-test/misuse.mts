// Must not compile: proves the typings check record fields instead of accepting anything.
import { S3db, Resource } from 's3db-native';

interface User {
  name: string;
  age: number;
}

const db = new S3db({ connectionString: 'memory://typed/db' });
const users: Resource<User> = await db.createResource<User>({ name: 'users', attributes: { name: 'string', age: 'number' } });
const user = await users.get('id');
const wrong: string = user.age;
console.log(wrong);
