// The five behaviors at S3's 2 KB metadata edge, from the user's side: what each accepts,
// what it reports, and what reads back.
import { describe, it, expect } from 'vitest';
import { S3db, MetadataLimitError } from '../lib/index.mjs';
import { uniqueUrl, uniqueName, caught, nextEvent, userFields, guardedSetup } from './helpers.mjs';

// Resource {name, bio} on v1: keys `0`, `1`, `_v`; limit 2047 − 4 = 2043 bytes of keys and
// values. `x` + 2036 ASCII bytes weighs exactly 2043. Multi-byte text counts as its header
// weighs once transport-encoded: 762 × `é` is base64 (2 + 4 × 508 = 2034 bytes), so `xyz` + 762
// × `é` is exactly at the limit too.
const EDGE = [
  { label: 'just under', name: 'x', bio: 'b'.repeat(2035), fits: true },
  { label: 'exactly at', name: 'x', bio: 'b'.repeat(2036), fits: true },
  { label: 'just over', name: 'x', bio: 'b'.repeat(2037), fits: false },
  { label: 'multi-byte exactly at', name: 'xyz', bio: 'é'.repeat(762), fits: true },
  { label: 'multi-byte just over', name: 'xyz', bio: 'é'.repeat(763), fits: false },
];

let db;
guardedSetup(async () => {
  db = new S3db({ connectionString: uniqueUrl('behaviors') });
  await db.connect();
});

const resourceWith = (behavior) =>
  db.createResource({ name: uniqueName(behavior.replace(/-/g, '')), attributes: { name: 'string', bio: 'string' }, behavior });

describe('enforce-limits', () => {
  for (const { label, name, bio, fits } of EDGE) {
    it(`${label}: ${fits ? 'stored whole in metadata' : 'refused with the sizes'}`, async () => {
      const res = await resourceWith('enforce-limits');
      if (fits) {
        const inserted = await res.insert({ id: 'e1', name, bio });
        expect(inserted._hasContent).toBe(false);
        expect(userFields(await res.get('e1'))).toEqual({ id: 'e1', name, bio });
        return;
      }
      const error = await caught(res.insert({ id: 'e1', name, bio }));
      expect(error).toBeInstanceOf(MetadataLimitError);
      expect(error.name).toBe('MetadataLimitError');
      expect(error.message).toBe('Metadata size exceeds 2KB limit on insert');
      expect(error.effectiveLimit).toBe(2043);
      expect(error.limit).toBe(2047);
      expect(error.totalSize).toBeGreaterThan(2043);
      expect(error.excess).toBe(error.totalSize - 2043);
      expect(await res.exists('e1')).toBe(false);
    });
  }

  it('an update over the limit is refused and leaves the record as it was', async () => {
    const res = await resourceWith('enforce-limits');
    await res.insert({ id: 'e1', name: 'x', bio: 'short' });
    const error = await caught(res.update('e1', { bio: 'b'.repeat(2100) }));
    expect(error.message).toBe('Metadata size exceeds 2KB limit on update');
    expect((await res.get('e1')).bio).toBe('short');
  });
});

describe('user-managed', () => {
  for (const { label, name, bio, fits } of EDGE) {
    it(`${label}: ${fits ? 'metadata only, no event' : 'moves to the body and emits exceedsLimit'}`, async () => {
      const res = await resourceWith('user-managed');
      let event = null;
      res.on('exceedsLimit', (payload) => { event = payload; });
      const waited = fits ? null : nextEvent(res, 'exceedsLimit');
      await res.insert({ id: 'u1', name, bio });
      if (waited) await waited;
      const got = await res.get('u1');
      expect(userFields(got)).toEqual({ id: 'u1', name, bio });
      expect(got._hasContent).toBe(!fits);
      if (fits) {
        await new Promise((resolve) => setImmediate(resolve));
        expect(event).toBeNull();
        return;
      }
      expect(event).toMatchObject({ operation: 'insert', limit: 2047, effectiveLimit: 2043, id: 'u1' });
      expect(event.excess).toBe(event.totalSize - 2043);
      expect(event.data).toEqual({ id: 'u1', name, bio });
    });
  }

  it('the legacy spelling user-management is the same behavior', async () => {
    const res = await resourceWith('user-management');
    expect(res.behavior).toBe('user-managed');
  });
});

describe('truncate-data', () => {
  for (const { label, name, bio, fits } of EDGE) {
    it(`${label}: ${fits ? 'kept whole' : 'cut to the longest prefix that fits'}`, async () => {
      const res = await resourceWith('truncate-data');
      await res.insert({ id: 't1', name, bio });
      const got = await res.get('t1');
      expect(got.name).toBe(name);
      expect(got._hasContent).toBe(false);
      if (fits) {
        expect(got.bio).toBe(bio);
      } else {
        expect(got.bio.length).toBeLessThan(bio.length);
        expect(got.bio.length).toBeGreaterThan(bio.length * 0.9);
        expect(bio.startsWith(got.bio)).toBe(true);
      }
    });
  }

  it('never loops where s3db.js hangs (two 1500-character fields)', async () => {
    const res = await db.createResource({
      name: uniqueName('trunc'), attributes: { name: 'string', bio: 'string', notes: 'string', level: 'number' }, behavior: 'data-truncate',
    });
    expect(res.behavior).toBe('truncate-data');
    await res.insert({ id: 't2', name: 'n', bio: 'a'.repeat(1500), notes: 'b'.repeat(1500), level: 7 });
    const got = await res.get('t2');
    expect(got.name).toBe('n');
    expect(got.level).toBe(7);
    expect(got.bio.length + (got.notes || '').length).toBeLessThan(2043);
  });
});

describe('body-overflow', () => {
  for (const { label, name, bio, fits } of EDGE) {
    it(`${label}: ${fits ? 'metadata only' : 'the big field goes to the body'} and reads back whole`, async () => {
      const res = await resourceWith('body-overflow');
      await res.insert({ id: 'o1', name, bio });
      const got = await res.get('o1');
      expect(userFields(got)).toEqual({ id: 'o1', name, bio });
      expect(got._hasContent).toBe(!fits);
    });
  }
});

describe('body-only', () => {
  for (const { label, name, bio } of EDGE) {
    it(`${label}: everything in the body, read back whole`, async () => {
      const res = await resourceWith('body-only');
      await res.insert({ id: 'b1', name, bio });
      const got = await res.get('b1');
      expect(userFields(got)).toEqual({ id: 'b1', name, bio });
      expect(got._hasContent).toBe(true);
      expect(got._mimeType).toBe('application/json');
    });
  }
});
