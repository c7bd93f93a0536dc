// The quickstart from CommonJS, on the embedded file:// store.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { S3db, ValidationError } = require('s3db-native');

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3db-native-cjs-'));
  const db = new S3db({ connectionString: `file://${dir}` });
  await db.connect();
  const notes = await db.createResource({ name: 'notes', attributes: { title: 'string|min:1', tags: 'array|items:string' } });
  await notes.insert({ id: 'n1', title: 'first', tags: ['a', 'b'] });
  const rejected = await notes.insert({ title: '' }).catch((error) => error);
  if (!(rejected instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${rejected}`);
  const reopened = new S3db({ connectionString: `file://${dir}` });
  await reopened.connect();
  const note = await reopened.resources.notes.get('n1');
  if (note.tags.join() !== 'a,b') throw new Error(`unexpected record ${JSON.stringify(note)}`);
  console.log('CommonJS quickstart:', note.title, note.tags);
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
