// The CRUD examples of the s3db.js READMEs and core docs, copied as closely as possible: only the
// import and the connection string differ (memory:// instead of s3://). Where an example relies on
// something s3db.js 12.4 itself does not do, the change is commented.
import { describe, it, expect, afterEach } from 'vitest';
import { S3db, Database, MemoryClient } from '../lib/index.mjs';
import { uniqueUrl, uniqueMemoryUrl, nextEvent, userFields, caught, ISO_DATE } from './helpers.mjs';

const open = [];
/** `new S3db(...)` whose connection string is replaced by a private memory:// bucket. */
function s3dbFor(prefix = 'databases/myapp', extra = {}) {
  const s3db = new S3db({ connectionString: uniqueUrl('seed', prefix), ...extra });
  open.push(s3db);
  return s3db;
}
afterEach(async () => {
  while (open.length) await open.pop().disconnect();
});

// =============================================================================================
describe('older README (uri option, options: {...} nesting)', () => {
  it('Quick Start', async () => {
    // const s3db = new S3db({ uri: "s3://ACCESS_KEY:SECRET_KEY@BUCKET_NAME/databases/myapp" });
    const s3db = new S3db({ uri: uniqueUrl('seed-uri', 'databases/myapp') });
    open.push(s3db);
    await s3db.connect();

    const users = await s3db.createResource({
      name: "users",
      attributes: {
        name: "string|min:2|max:100",
        email: "email|unique",
        age: "number|integer|positive",
        isActive: "boolean",
        createdAt: "date"
      }
    });

    const user = await users.insert({
      name: "John Doe",
      email: "john@example.com",
      age: 30,
      isActive: true,
      createdAt: new Date()
    });

    const foundUser = await users.get(user.id);
    expect(foundUser.name).toBe("John Doe"); // console.log(foundUser.name); // "John Doe"
    expect(foundUser).toMatchObject({ email: "john@example.com", age: 30, isActive: true });
  });

  it('Resources (Collections): nested objects, arrays and objects', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: "users",
      attributes: {
        name: "string|min:2|max:100",
        email: "email|unique",
        age: "number|integer|positive",
        profile: {
          bio: "string|optional",
          avatar: "url|optional"
        },
        tags: "array|items:string",
        metadata: "object|optional"
      }
    });
    const user = await users.insert({
      name: "John Doe", email: "john@example.com", age: 30,
      profile: { bio: "Developer", avatar: "https://example.com/avatar.jpg" },
      tags: ["a", "b"], metadata: { plan: "pro" },
    });
    expect(userFields(await users.get(user.id))).toEqual(userFields(user));
    expect(user.profile).toEqual({ bio: "Developer", avatar: "https://example.com/avatar.jpg" });
  });

  it('Automatic Timestamps (options: { timestamps: true })', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: "users",
      attributes: { name: "string", email: "email" },
      options: { timestamps: true }
    });

    const user = await users.insert({ name: "John", email: "john@example.com" });
    expect(user.createdAt).toMatch(ISO_DATE); // e.g. "2024-06-27T12:34:56.789Z"
    expect(user.updatedAt).toBe(user.createdAt); // same as createdAt on insert
  });

  it('Behavior Configuration with options.{behavior, timestamps, partitions, hooks}', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const created = [];
    const users = await s3db.createResource({
      name: "users",
      attributes: {
        name: "string|min:2|max:100",
        email: "email|unique",
        bio: "string|optional",
        preferences: "object|optional"
      },
      options: {
        behavior: "body-overflow",
        timestamps: true,
        partitions: {
          byRegion: {
            fields: { region: "string" }
          }
        },
        hooks: {
          preInsert: [async (data) => {
            return data;
          }],
          afterInsert: [async (data) => {
            created.push(data.id); // console.log("User created:", data.id);
          }]
        }
      }
    }).catch((error) => error);
    // `region` is not an attribute of this example: the partition is refused with a clear error,
    // as s3db.js 12.4 refuses a top-level partition on a missing field.
    expect(users).toBeInstanceOf(Error);
    expect(users.name).toBe('PartitionError');
    expect(users.message).toContain("Partition 'byRegion' uses field 'region' which does not exist");

    const fixed = await s3db.createResource({
      name: "users",
      attributes: { name: "string|min:2|max:100", email: "email|unique", bio: "string|optional", region: "string|optional" },
      options: {
        behavior: "body-overflow",
        timestamps: true,
        partitions: { byRegion: { fields: { region: "string" } } },
        hooks: {
          preInsert: [async (data) => data],
          afterInsert: [async (data) => { created.push(data.id); }],
        },
      },
    });
    // The afterInsert hook returns nothing, so the record is found through the hook and the listing.
    await fixed.insert({ name: "John Doe", email: "john@example.com", region: "south" });
    expect(created).toHaveLength(1);
    expect(await fixed.listIds({ partition: "byRegion", partitionValues: { region: "south" } })).toEqual(created);
    expect((await fixed.get(created[0])).name).toBe("John Doe");
  });

  it('1. User Management Behavior: exceedsLimit warning, operation succeeds', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: "users",
      attributes: { name: "string", email: "email" },
      options: { behavior: "user-management" }
    });

    const warned = nextEvent(users, "exceedsLimit");
    // The README repeats the text 100 times (1600 bytes), which still fits in 2 KB; 200 times does not.
    const user = await users.insert({
      name: "John Doe",
      email: "john@example.com",
      largeBio: "Very long bio...".repeat(200) // Will trigger warning but succeed
    });
    const [info] = await warned;
    expect(info.operation).toBe("insert");
    expect(info.totalSize).toBeGreaterThan(info.limit);
    expect(info.excess).toBeGreaterThan(0);
    expect(users.behavior).toBe("user-managed");
    // Operations continue normally even if limit is exceeded
    expect((await users.get(user.id)).largeBio).toBe("Very long bio...".repeat(200));
  });

  it('2. Enforce Limits Behavior: oversize insert throws', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: "users",
      attributes: { name: "string", email: "email" },
      options: { behavior: "enforce-limits" }
    });

    let failure;
    try {
      await users.insert({
        name: "John Doe",
        email: "john@example.com",
        largeBio: "Very long bio...".repeat(200) // README: repeat(100), which fits in 2 KB
      });
    } catch (error) {
      failure = error; // console.error("Operation failed:", error.message);
    }
    expect(failure).toBeInstanceOf(Error);
    expect(failure.message).toContain("exceeds 2KB limit");
    expect(await users.count()).toBe(0);
  });

  it('3. Data Truncate Behavior (data-truncate)', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: "users",
      attributes: { name: "string", email: "email", bio: "string" },
      options: { behavior: "data-truncate" }
    });
    expect(users.behavior).toBe("truncate-data");

    const user = await users.insert({
      name: "John Doe",
      email: "john@example.com",
      bio: "This is a very long biography that will be truncated to fit within the 2KB metadata limit..."
    });
    expect(user.bio).toBe("This is a very long biography that will be truncated to fit within the 2KB metadata limit...");
  });

  it('4. Body Overflow Behavior', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: "users",
      attributes: { name: "string", email: "email", bio: "string" },
      options: { behavior: "body-overflow" }
    });

    const bio = "This is a very long biography that will be stored in the S3 object body...".repeat(40);
    const user = await users.insert({
      name: "John Doe",
      email: "john@example.com",
      bio
    });
    expect(user.bio).toBe(bio); // Full biography preserved
    expect((await users.get(user.id)).bio).toBe(bio);
  });

  it('API Reference: resourceExists, createResourceIfNotExists, resource(), resources.<name>', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    expect(s3db.resourceExists("users")).toBe(false);

    const result = await s3db.createResourceIfNotExists({
      name: "users",
      attributes: {
        name: "string|required",
        email: "email|required"
      },
      options: { timestamps: true },
      behavior: "user-management"
    });
    expect(s3db.resourceExists("users")).toBe(true);
    expect(result.created).toBe(true);
    expect(result.reason).toBe("New resource created");

    const result2 = await s3db.createResourceIfNotExists({
      name: "users",
      attributes: {
        name: "string|required",
        email: "email|required"
      }
    });
    // The README's second call leaves out `timestamps`: another definition hash, so a new version.
    expect(result2.created).toBe(true);
    expect(result2.reason).toBe("Resource updated with a new definition");
    expect(result2.resource).toBe(result.resource);
    const result3 = await s3db.createResourceIfNotExists({
      name: "users",
      attributes: {
        name: "string|required",
        email: "email|required"
      }
    });
    expect(result3.created).toBe(false);
    expect(result3.reason).toBe("Resource already exists with same definition hash");
    expect(result3.resource).toBe(result.resource);

    const users = s3db.resource("users");
    expect(s3db.resources.users).toBe(users);
    expect(users).toBe(result.resource);
  });

  it('Resource Operations: insert, get, update, upsert, delete, count', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: "users",
      attributes: { name: "string", email: "email", age: "number|optional" }
    });

    // With custom ID
    const user = await users.insert({
      id: "user-123",
      name: "John Doe",
      email: "john@example.com"
    });
    expect(user.id).toBe("user-123");

    // Auto-generated ID
    const user2 = await users.insert({
      name: "Jane Doe",
      email: "jane@example.com"
    });
    expect(user2.id).toMatch(/^[A-Za-z0-9_-]{22}$/); // ID will be auto-generated using nanoid

    const got = await users.get("user-123");
    expect(got.name).toBe("John Doe");

    const updatedUser = await users.update("user-123", {
      name: "John Smith",
      age: 31
    });
    // Only specified fields are updated
    expect(userFields(updatedUser)).toEqual({ id: "user-123", name: "John Smith", email: "john@example.com", age: 31 });

    // Insert if doesn't exist, update if exists. README: users.upsert("user-123", {...});
    // s3db.js 12.4 takes the id inside the document.
    const upserted = await users.upsert({ id: "user-123", name: "John Doe", email: "john@example.com", age: 30 });
    expect(userFields(upserted)).toEqual({ id: "user-123", name: "John Doe", email: "john@example.com", age: 30 });

    await users.delete("user-123");

    const count = await users.count();
    expect(count).toBe(1); // console.log(`Total users: ${count}`);
  });

  it('Page Documents', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({ name: "users", attributes: { name: "string", email: "email" } });
    await users.insertMany(Array.from({ length: 12 }, (_, i) => ({ name: `User ${i}`, email: `user${i}@example.com` })));

    const page = await users.page({
      offset: 0,
      size: 10
    });
    expect(page.items).toHaveLength(10); // Array of user objects
    expect(page.totalItems).toBe(12); // Total number of items
    expect(page.totalPages).toBe(2); // Total number of pages
    expect(page.page).toBe(0); // Current page number (0-based)
    expect(page.pageSize).toBe(10); // Items per page
    expect(page._debug).toMatchObject({ requestedSize: 10, requestedOffset: 0, actualItemsReturned: 10, skipCount: false, hasTotalItems: true });

    const fastPage = await users.page({
      offset: 0,
      size: 100,
      skipCount: true // Skips counting total items
    });
    expect(fastPage.items).toHaveLength(12);
    expect(fastPage.totalItems).toBeNull(); // null (not counted)
    expect(fastPage.totalPages).toBeNull(); // null (not calculated)
    expect(fastPage._debug.skipCount).toBe(true); // true
  });

  it('Bulk Operations: insertMany, getMany, deleteMany, getAll, listIds, deleteAll', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: "users", attributes: { name: "string", email: "email" }, paranoid: false,
    });
    // README names both the array and the resource `users`; the array is renamed here.
    const userList = [
      { id: "user-1", name: "User 1", email: "user1@example.com" },
      { id: "user-2", name: "User 2", email: "user2@example.com" },
      { id: "user-3", name: "User 3", email: "user3@example.com" }
    ];

    const inserted = await users.insertMany(userList);
    expect(inserted).toHaveLength(3);

    const got = await users.getMany(["user-1", "user-2", "user-3"]);
    expect(got.map((u) => u.name)).toEqual(["User 1", "User 2", "User 3"]);

    const allUsers = await users.getAll();
    expect(allUsers).toHaveLength(3); // Returns all documents in the resource

    const userIds = await users.listIds();
    expect(userIds).toEqual(["user-1", "user-2", "user-3"]); // Returns array of all document IDs

    await users.deleteMany(["user-1", "user-2"]);
    expect(await users.listIds()).toEqual(["user-3"]);

    await users.deleteAll(); // ⚠️ Destructive operation - removes all documents
    expect(await users.count()).toBe(0);
  });

  it('List, ListIds, Count, Page, Query (novo formato) with nested-field partitions', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: 'users',
      attributes: {
        name: 'string|required',
        isActive: 'boolean|optional',
        utm: { source: 'string|required', medium: 'string|required' },
        address: { country: 'string|required', city: 'string|required' }
      },
      options: {
        partitions: {
          byUtmSource: { fields: { 'utm.source': 'string' } },
          byCountry: { fields: { 'address.country': 'string' } }
        }
      }
    });
    await users.insert({ id: 'g1', name: 'G1', isActive: true, utm: { source: 'google', medium: 'cpc' }, address: { country: 'US', city: 'NYC' } });
    await users.insert({ id: 'g2', name: 'G2', isActive: false, utm: { source: 'google', medium: 'organic' }, address: { country: 'BR', city: 'SP' } });
    await users.insert({ id: 'b1', name: 'B1', isActive: true, utm: { source: 'bing', medium: 'cpc' }, address: { country: 'US', city: 'LA' } });

    const allUsers = await users.list();
    expect(allUsers).toHaveLength(3);

    const googleUsers = await users.list({
      partition: 'byUtmSource',
      partitionValues: { 'utm.source': 'google' }
    });
    expect(googleUsers.map((u) => u.id).sort()).toEqual(['g1', 'g2']);

    const googleUserIds = await users.listIds({
      partition: 'byUtmSource',
      partitionValues: { 'utm.source': 'google' }
    });
    expect(googleUserIds.sort()).toEqual(['g1', 'g2']);

    const page = await users.page({
      partition: 'byUtmSource',
      partitionValues: { 'utm.source': 'google' },
      offset: 0,
      size: 10
    });
    expect(page.items).toHaveLength(2);
    expect(page.totalItems).toBe(2);
    expect(page.totalPages).toBe(1);

    const fastPage = await users.page({
      partition: 'byUtmSource',
      partitionValues: { 'utm.source': 'google' },
      offset: 0,
      size: 10,
      skipCount: true
    });
    expect(fastPage.items).toHaveLength(2);
    expect(fastPage.totalItems).toBeNull();

    const count = await users.count({
      partition: 'byUtmSource',
      partitionValues: { 'utm.source': 'google' }
    });
    expect(count).toBe(2);

    const filtered = await users.query(
      { isActive: true },
      { partition: 'byUtmSource', partitionValues: { 'utm.source': 'google' }, limit: 5, offset: 0 }
    );
    expect(filtered.map((u) => u.id)).toEqual(['g1']);

    const usUsers = await users.list({
      partition: 'byCountry',
      partitionValues: { 'address.country': 'US' }
    });
    expect(usUsers.map((u) => u.id).sort()).toEqual(['b1', 'g1']);
  });

  it('Partitions with Nested Fields (multi-field, maxlength)', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: "users",
      attributes: {
        name: "string|required",
        utm: {
          source: "string|required",
          medium: "string|required",
          campaign: "string|required"
        },
        address: {
          country: "string|required",
          state: "string|required",
          city: "string|required"
        },
        metadata: {
          category: "string|required",
          priority: "string|required"
        }
      },
      options: {
        partitions: {
          byUtmSource: {
            fields: {
              "utm.source": "string"
            }
          },
          byAddressCountry: {
            fields: {
              "address.country": "string|maxlength:2"
            }
          },
          byAddressState: {
            fields: {
              "address.country": "string|maxlength:2",
              "address.state": "string"
            }
          },
          byUtmAndAddress: {
            fields: {
              "utm.source": "string",
              "utm.medium": "string",
              "address.country": "string|maxlength:2"
            }
          }
        }
      }
    });

    const john = await users.insert({
      name: "John Doe",
      utm: {
        source: "google",
        medium: "cpc",
        campaign: "brand"
      },
      address: {
        country: "US",
        state: "California",
        city: "San Francisco"
      },
      metadata: {
        category: "premium",
        priority: "high"
      }
    });

    const googleUsers = await users.listIds({
      partition: "byUtmSource",
      partitionValues: { "utm.source": "google" }
    });
    expect(googleUsers).toEqual([john.id]);

    const usUsers = await users.listIds({
      partition: "byAddressCountry",
      partitionValues: { "address.country": "US" }
    });
    expect(usUsers).toEqual([john.id]);

    const usCaliforniaUsers = await users.listIds({
      partition: "byAddressState",
      partitionValues: {
        "address.country": "US",
        "address.state": "California"
      }
    });
    expect(usCaliforniaUsers).toEqual([john.id]);

    const googleCpcUsUsers = await users.listIds({
      partition: "byUtmAndAddress",
      partitionValues: {
        "utm.source": "google",
        "utm.medium": "cpc",
        "address.country": "US"
      }
    });
    expect(googleCpcUsUsers).toEqual([john.id]);

    const googleCount = await users.count({
      partition: "byUtmSource",
      partitionValues: { "utm.source": "google" }
    });
    expect(googleCount).toBe(1);

    // README: users.listByPartition({...}); s3db.js 12.4 spells it list({partition, partitionValues}).
    const googleUsersData = await users.list({
      partition: "byUtmSource",
      partitionValues: { "utm.source": "google" }
    });
    expect(googleUsersData.map((u) => u.name)).toEqual(["John Doe"]);
  });

  it('Example: Time-based partition (date|maxlength:10)', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const logs = await s3db.createResource({
      name: "logs",
      attributes: {
        message: "string",
        level: "string",
        createdAt: "date"
      },
      options: {
        partitions: {
          byDate: {
            fields: { createdAt: "date|maxlength:10" }
          }
        }
      }
    });

    await logs.insert({
      message: "User login",
      level: "info",
      createdAt: new Date("2024-06-27")
    });

    // README: logs.listByPartition({...})
    const logsToday = await logs.list({
      partition: "byDate",
      partitionValues: { createdAt: "2024-06-27" }
    });
    expect(logsToday.map((l) => l.message)).toEqual(["User login"]);

    const count = await logs.count({
      partition: "byDate",
      partitionValues: { createdAt: "2024-06-27" }
    });
    expect(count).toBe(1);
  });

  it('Partition rules and transformations (Date stored as YYYY-MM-DD)', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const products = await s3db.createResource({
      name: "products",
      attributes: {
        name: "string",
        category: "string",
        price: "number",
        createdAt: "date"
      },
      options: {
        partitions: {
          byCategory: {
            fields: { category: "string" }
          },
          byDate: {
            fields: { createdAt: "date|maxlength:10" } // Truncates to YYYY-MM-DD
          }
        }
      }
    });

    const widget = await products.insert({
      name: "Widget",
      category: "electronics",
      price: 99.99,
      createdAt: new Date("2024-06-27T15:30:00Z") // Will be stored as "2024-06-27"
    });
    expect(await products.listIds({ partition: "byDate", partitionValues: { createdAt: "2024-06-27" } })).toEqual([widget.id]);
    expect(await products.listIds({ partition: "byCategory", partitionValues: { category: "electronics" } })).toEqual([widget.id]);
  });

  it('Hooks: options.hooks preInsert/afterInsert and addHook', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const inserted = [];
    const users = await s3db.createResource({
      name: "users",
      attributes: { name: "string", email: "email" },
      options: {
        hooks: {
          preInsert: [async (data) => {
            if (!data.email.includes("@")) throw new Error("Invalid email");
            return data;
          }],
          afterInsert: [async (data) => {
            inserted.push(data.id); // console.log("User inserted:", data.id);
          }]
        }
      }
    });

    const calls = [];
    // Or dynamically:
    users.addHook('preInsert', async (data) => {
      calls.push(data.name); // Custom logic
      return data;
    });

    await users.insert({ name: "Ann", email: "ann@example.com" });
    expect(inserted).toHaveLength(1);
    expect((await users.get(inserted[0])).name).toBe("Ann");
    expect(calls).toEqual(["Ann"]);

    // If a hook throws, the operation is aborted.
    const error = await caught(users.insert({ name: "Bob", email: "bob-at-example.com" }));
    expect(error.message).toBe("Invalid email");
    expect(await users.count()).toBe(1);
  });

  it('E-commerce Application', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const products = await s3db.createResource({
      name: "products",
      attributes: {
        name: "string|min:2|max:200",
        description: "string|optional",
        price: "number|positive",
        category: "string",
        tags: "array|items:string",
        inStock: "boolean",
        images: "array|items:url",
        metadata: "object|optional"
      },
      options: {
        behavior: "body-overflow",
        timestamps: true
      }
    });

    const orders = await s3db.createResource({
      name: "orders",
      attributes: {
        customerId: "string",
        products: "array|items:string",
        total: "number|positive",
        status: "string|enum:pending,paid,shipped,delivered",
        shippingAddress: {
          street: "string",
          city: "string",
          country: "string",
          zipCode: "string"
        },
        createdAt: "date"
      },
      options: {
        behavior: "enforce-limits",
        timestamps: true
      }
    });

    const product = await products.insert({
      name: "Wireless Headphones",
      description: "High-quality wireless headphones with noise cancellation, 30-hour battery life, premium comfort design, and crystal-clear audio quality. Perfect for music lovers, professionals, and gamers alike. Features include Bluetooth 5.0, active noise cancellation, touch controls, and a premium carrying case.",
      price: 99.99,
      category: "electronics",
      tags: ["wireless", "bluetooth", "audio", "noise-cancellation"],
      inStock: true,
      images: ["https://example.com/headphones.jpg"]
    });

    const order = await orders.insert({
      customerId: "customer-123",
      products: [product.id],
      total: 99.99,
      status: "pending",
      shippingAddress: {
        street: "123 Main St",
        city: "New York",
        country: "USA",
        zipCode: "10001"
      },
      createdAt: new Date()
    });

    expect(userFields(await products.get(product.id))).toEqual(userFields(product));
    const storedOrder = await orders.get(order.id);
    expect(storedOrder).toMatchObject({ customerId: "customer-123", products: [product.id], total: 99.99, status: "pending" });
    expect(storedOrder.shippingAddress).toEqual({ street: "123 Main St", city: "New York", country: "USA", zipCode: "10001" });
  });

  it('User Authentication System (secret fields)', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: "users",
      attributes: {
        username: "string|min:3|max:50|unique",
        email: "email|unique",
        password: "secret",
        role: "string|enum:user,admin,moderator",
        isActive: "boolean",
        lastLogin: "date|optional",
        profile: {
          firstName: "string",
          lastName: "string",
          avatar: "url|optional",
          bio: "string|optional"
        }
      },
      options: {
        behavior: "enforce-limits",
        timestamps: true
      }
    });

    const sessions = await s3db.createResource({
      name: "sessions",
      attributes: {
        userId: "string",
        token: "secret",
        expiresAt: "date",
        userAgent: "string|optional",
        ipAddress: "string|optional",
        sessionData: "object|optional"
      },
      options: {
        behavior: "body-overflow",
        timestamps: true
      }
    });

    const user = await users.insert({
      username: "john_doe",
      email: "john@example.com",
      password: "secure_password_123",
      role: "user",
      isActive: true,
      profile: {
        firstName: "John",
        lastName: "Doe"
      }
    });

    const session = await sessions.insert({
      userId: user.id,
      token: "jwt_token_here",
      expiresAt: new Date(Date.now() + 24 * 60 * 60 * 1000),
      userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
      ipAddress: "192.168.1.1",
      sessionData: {
        preferences: { theme: "dark", language: "en" },
        lastActivity: new Date(),
        deviceInfo: { type: "desktop", os: "Windows" }
      }
    });

    expect((await users.get(user.id)).password).toBe("secure_password_123");
    const storedSession = await sessions.get(session.id);
    expect(storedSession.token).toBe("jwt_token_here");
    expect(storedSession.sessionData.deviceInfo).toEqual({ type: "desktop", os: "Windows" });
  });

  it('Field-Level Encryption and AutoEncrypt / AutoDecrypt', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({
      name: "users",
      attributes: {
        username: "string",
        email: "email",
        password: "secret",
        apiKey: "secret",
        creditCard: "secret"
      }
    });

    const user = await users.insert({
      username: "john_doe",
      email: "john@example.com",
      password: "my_secure_password",
      apiKey: "sk_live_123456789",
      creditCard: "4111111111111111"
    });

    const retrieved = await users.get(user.id);
    expect(retrieved.password).toBe("my_secure_password"); // "my_secure_password" (decrypted)
    expect(retrieved.apiKey).toBe("sk_live_123456789");
    expect(retrieved.creditCard).toBe("4111111111111111");
  });

  it('Advanced Configuration / Custom Encryption Key (Buffer passphrase, parallelism, cache, ttl)', async () => {
    // passphrase: fs.readFileSync("./private-key.pem") -- a Buffer, used as its UTF-8 text
    const pem = Buffer.from("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n");
    const uri = uniqueUrl('seed-key', 'databases/myapp');
    const s3db = new S3db({
      uri,
      parallelism: 25,                    // Handle 25 concurrent operations
      passphrase: pem,                    // Custom encryption key
      cache: true,                        // Enable caching
      ttl: 3600,                          // 1 hour cache TTL
      // plugins: [CostsPlugin]           // (plugins are not part of this build)
    });
    open.push(s3db);
    await s3db.connect();
    expect(s3db.parallelism).toBe(25);
    const users = await s3db.createResource({ name: "users", attributes: { username: "string", password: "secret" } });
    const user = await users.insert({ username: "john_doe", password: "my_secret_password" });
    expect((await users.get(user.id)).password).toBe("my_secret_password");

    const sameKeyAsText = new S3db({ connectionString: uri, passphrase: pem.toString('utf8') });
    open.push(sameKeyAsText);
    await sameKeyAsText.connect();
    expect((await sameKeyAsText.resources.users.get(user.id)).password).toBe("my_secret_password");
  });

  it('Resource Events', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({ name: "users", attributes: { name: "string" } });
    const inserted = nextEvent(users, "insert");
    const fetched = nextEvent(users, "get");
    const user = await users.insert({ name: "Ann" });
    expect((await inserted)[0].id).toBe(user.id); // console.log("User inserted:", data.id)
    await users.get(user.id);
    expect((await fetched)[0].id).toBe(user.id); // console.log("User retrieved:", data.id)
  });

  it('Implement Proper Error Handling (both methods)', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const users = await s3db.createResource({ name: "users", attributes: { name: "string" } });

    let notFound = false;
    // Method 1: Try-catch with get()
    try {
      await users.get("non-existent-id");
    } catch (error) {
      if (error.message.includes("does not exist")) {
        notFound = true; // console.log("User not found");
      } else {
        throw error;
      }
    }
    expect(notFound).toBe(true);

    // Method 2: Check existence first
    await users.insert({ id: "user-123", name: "Found" });
    const userId = "user-123";
    let found;
    if (await users.exists(userId)) {
      const user = await users.get(userId);
      found = user.name; // console.log("User found:", user.name);
    }
    expect(found).toBe("Found");
  });

  it('Choose the Right Behavior Strategy (old behavior names)', async () => {
    const s3db = s3dbFor();
    await s3db.connect();
    const devUsers = await s3db.createResource({
      name: "users",
      attributes: { name: "string", email: "email" },
      options: { behavior: "user-management" }
    });
    const blogPosts = await s3db.createResource({
      name: "posts",
      attributes: { title: "string", content: "string", author: "string" },
      options: { behavior: "body-overflow" }
    });
    const productDescriptions = await s3db.createResource({
      name: "products",
      attributes: { name: "string", description: "string", price: "number" },
      options: { behavior: "data-truncate" }
    });
    expect([devUsers.behavior, blogPosts.behavior, productDescriptions.behavior]).toEqual(["user-managed", "body-overflow", "truncate-data"]);
    const post = await blogPosts.insert({ title: "T", content: "c".repeat(3000), author: "A" });
    expect((await blogPosts.get(post.id)).content).toHaveLength(3000);
  });
});

// =============================================================================================
describe('newer README (connectionString, top-level options)', () => {
  it('Quick Start: connect, create, insert, get, update, list', async () => {
    // const s3db = new S3db({ connectionString: "s3://ACCESS_KEY:SECRET_KEY@BUCKET_NAME/databases/myapp" });
    const s3db = s3dbFor();
    await s3db.connect();

    const users = await s3db.createResource({
      name: "users",
      attributes: {
        name: "string|min:2|max:100",
        email: "email|unique",
        age: "number|integer|positive",
        isActive: "boolean"
      },
      timestamps: true
    });

    const user = await users.insert({
      name: "John Doe",
      email: "john@example.com",
      age: 30,
      isActive: true,
      createdAt: new Date()
    });

    const foundUser = await users.get(user.id);
    expect(`Hello, ${foundUser.name}! 👋`).toBe("Hello, John Doe! 👋");

    await users.update(user.id, { age: 31 });
    expect((await users.get(user.id)).age).toBe(31);

    const allUsers = await users.list();
    expect(`Total users: ${allUsers.length}`).toBe("Total users: 1");
  });

  it('MemoryClient Quick Start with connection string and manual client', async () => {
    const db = new S3db({
      connectionString: uniqueMemoryUrl('mybucket') // 'memory://mybucket'
    });
    open.push(db);
    await db.connect();
    expect(db.isConnected()).toBe(true);

    const db2 = new S3db({
      client: new MemoryClient({ bucket: 'test-bucket' })
    });
    open.push(db2);
    await db2.connect();

    const users = await db2.createResource({
      name: 'users',
      attributes: {
        name: 'string|required',
        email: 'email|required'
      }
    });

    await users.insert({ id: 'u1', name: 'John', email: 'john@test.com' });
    const user = await users.get('u1');
    expect(user).toMatchObject({ id: 'u1', name: 'John', email: 'john@test.com' });
  });

  it('Testing Example (vitest, MemoryClient)', async () => {
    const db = new S3db({ connectionString: uniqueMemoryUrl('test-db', 'my-tests') });
    open.push(db);
    await db.connect();
    const users = await db.createResource({
      name: 'users',
      attributes: { name: 'string', email: 'email' }
    });

    const newUser = { id: 'u1', name: 'John', email: 'john@test.com' };
    await users.insert(newUser);
    const user = await users.get('u1');
    expect(user).toMatchObject(newUser);

    const user2 = { id: 'u2', name: 'Bob', email: 'bob@test.com' };
    await users.insert(user2);
    const allUsers = await users.list();
    expect(allUsers).toHaveLength(2);
    // README: toContainEqual(user1); the listed records also carry read decorations (_v, …).
    expect(allUsers.map(userFields)).toContainEqual(newUser);
    expect(allUsers.map(userFields)).toContainEqual(user2);
  });

  it('Resources TL;DR: enforce-limits, timestamps, number partition', async () => {
    const db = s3dbFor();
    await db.connect();
    const users = await db.createResource({
      name: 'users',
      attributes: {
        email: 'email|required|unique',
        password: 'secret|required',
        age: 'number|min:18|max:120'
      },
      behavior: 'enforce-limits',
      timestamps: true,
      partitions: {
        byAge: { fields: { age: 'number' } }
      }
    });

    const user = await users.insert({ email: 'john@example.com', password: 'secret123', age: 25 });
    expect(user).toMatchObject({ email: 'john@example.com', password: 'secret123', age: 25 });
    expect(await users.listIds({ partition: 'byAge', partitionValues: { age: 25 } })).toEqual([user.id]);

    const tooYoung = await caught(users.insert({ email: 'kid@example.com', password: 'x', age: 12 }));
    expect(tooYoung.name).toBe('InvalidResourceItem');
    expect(tooYoung.message).toBe("The 'age' field must be greater than or equal to 18.");
  });

  it('Schema examples: nested objects (auto-detected, $$type) and arrays', async () => {
    const db = s3dbFor();
    await db.connect();
    const auto = await db.createResource({
      name: 'auto',
      attributes: {
        name: 'string|required',
        profile: {
          bio: 'string|max:500',
          avatar: 'url|optional',
          social: {
            twitter: 'string|optional',
            github: 'string|optional'
          }
        }
      }
    });
    // Auto-detected nested objects are optional.
    const bare = await auto.insert({ name: 'No profile' });
    expect(bare.profile).toBeUndefined();
    const full = await auto.insert({ name: 'Full', profile: { bio: 'Hi', social: { github: 'jd' } } });
    expect((await auto.get(full.id)).profile).toEqual({ bio: 'Hi', social: { github: 'jd' } });

    const required = await db.createResource({
      name: 'required',
      attributes: {
        name: 'string|required',
        profile: {
          $$type: 'object|required',
          bio: 'string|max:500',
          avatar: 'url|optional'
        }
      }
    });
    const missing = await caught(required.insert({ name: 'No profile' }));
    expect(missing.name).toBe('InvalidResourceItem');
    expect(missing.message).toBe("The 'profile' field is required.");

    const arrays = await db.createResource({
      name: 'arrays',
      attributes: {
        name: 'string|required',
        tags: 'array|items:string|min:1|max:10|unique',
        scores: 'array|items:number|min:0|max:100'
      }
    });
    const rec = await arrays.insert({ name: 'A', tags: ['x', 'y'], scores: [10, 20.5] });
    expect(userFields(await arrays.get(rec.id))).toEqual({ id: rec.id, name: 'A', tags: ['x', 'y'], scores: [10, 20.5] });
  });

  it('Behaviors: enforce-limits, body-overflow, body-only', async () => {
    const db = s3dbFor();
    await db.connect();
    const users = await db.createResource({
      name: 'users',
      behavior: 'enforce-limits',
      attributes: { name: 'string', bio: 'string' }
    });
    const blogs = await db.createResource({
      name: 'blogs',
      behavior: 'body-overflow',
      attributes: { title: 'string', content: 'string' }
    });
    const documents = await db.createResource({
      name: 'documents',
      behavior: 'body-only',
      attributes: { title: 'string', content: 'string', metadata: 'object' }
    });

    await users.insert({ id: 'u', name: 'n', bio: 'short' });
    expect((await caught(users.insert({ name: 'n', bio: 'b'.repeat(3000) }))).name).toBe('MetadataLimitError');
    await blogs.insert({ id: 'b', title: 't', content: 'c'.repeat(4000) });
    await documents.insert({ id: 'd', title: 't', content: 'c'.repeat(4000), metadata: { pages: 3 } });
    expect((await blogs.get('b')).content).toHaveLength(4000);
    expect(userFields(await documents.get('d'))).toEqual({ id: 'd', title: 't', content: 'c'.repeat(4000), metadata: { pages: 3 } });
  });

  it('CRUD Operations: insert, get, list, query, update, patch, replace, delete', async () => {
    const db = s3dbFor();
    await db.connect();
    const users = await db.createResource({
      name: 'users', attributes: { name: 'string', email: 'email', isActive: 'boolean|optional' },
    });

    // Create
    const user = await users.insert({ name: 'John', email: 'john@example.com' });
    await users.insert({ id: 'user-123', name: 'Active', email: 'a@example.com', isActive: true });

    // Read
    expect((await users.get('user-123')).name).toBe('Active');
    const all = await users.list({ limit: 10, offset: 0 });
    expect(all).toHaveLength(2);
    const filtered = await users.query({ isActive: true });
    expect(filtered.map((u) => u.id)).toEqual(['user-123']);

    // Update (3 methods with different performance)
    const id = user.id;
    await users.update(id, { name: 'Jane' });
    expect((await users.get(id)).name).toBe('Jane');
    await users.patch(id, { name: 'Janet' });
    expect((await users.get(id)).name).toBe('Janet');
    const fullObject = { name: 'Replaced', email: 'replaced@example.com' };
    await users.replace(id, fullObject);
    expect(userFields(await users.get(id))).toEqual({ id, ...fullObject });

    // Delete
    await users.delete('user-123');
    expect(await users.exists('user-123')).toBe(false);
  });

  it('Bulk Operations', async () => {
    const db = s3dbFor();
    await db.connect();
    const users = await db.createResource({ name: 'users', attributes: { name: 'string', email: 'email' } });

    const inserted = await users.insertMany([
      { name: 'User 1', email: 'user1@example.com' },
      { name: 'User 2', email: 'user2@example.com' }
    ]);
    expect(inserted).toHaveLength(2);

    const ids = inserted.map((u) => u.id);
    const data = await users.getMany(ids);
    expect(data.map((u) => u.name)).toEqual(['User 1', 'User 2']);

    await users.deleteMany(ids);
    expect(await users.count()).toBe(0);
  });

  it('Partitions: composite partition and automatic timestamp partitions', async () => {
    const db = s3dbFor();
    await db.connect();
    const analytics = await db.createResource({
      name: 'analytics',
      attributes: {
        userId: 'string',
        event: 'string',
        timestamp: 'date',
        region: 'string'
      },
      partitions: {
        byEvent: { fields: { event: 'string' } },
        byEventAndRegion: {
          fields: {
            event: 'string',
            region: 'string'
          }
        }
        // README also declares byUserCountry on 'profile.country', which is not an attribute
        // (s3db.js 12.4 refuses it; see errors.test.mjs).
      },
      asyncPartitions: true
    });
    await analytics.insert({ userId: 'u1', event: 'click', timestamp: new Date(), region: 'US' });
    await analytics.insert({ userId: 'u2', event: 'click', timestamp: new Date(), region: 'EU' });
    await analytics.insert({ userId: 'u3', event: 'view', timestamp: new Date(), region: 'US' });

    const usEvents = await analytics.list({
      partition: 'byEventAndRegion',
      partitionValues: { event: 'click', region: 'US' }
    });
    expect(usEvents.map((e) => e.userId)).toEqual(['u1']);
    expect(await analytics.count({ partition: 'byEvent', partitionValues: { event: 'click' } })).toBe(2);

    const events = await db.createResource({
      name: 'events',
      attributes: { name: 'string', data: 'object' },
      timestamps: true
    });
    const event = await events.insert({ name: 'signup', data: { plan: 'pro' } });
    const todayEvents = await events.list({
      partition: 'byCreatedDate',
      partitionValues: { createdAt: event.createdAt.slice(0, 10) } // README: '2024-01-15'
    });
    expect(todayEvents.map((e) => e.name)).toEqual(['signup']);
  });

  it('Hooks (Lifecycle Functions)', async () => {
    const db = s3dbFor();
    await db.connect();
    const notified = [];
    const logged = [];
    const notifyWarehouse = async (sku) => { notified.push(sku); };
    const products = await db.createResource({
      name: 'products',
      attributes: { name: 'string', price: 'number', sku: 'string' },
      hooks: {
        beforeInsert: [
          async (data) => {
            data.sku = `PROD-${Date.now()}`;
            return data;
          }
        ],
        beforeUpdate: [
          async (data) => {
            data.updatedAt = new Date().toISOString();
            return data;
          }
        ],
        afterInsert: [
          async (data) => {
            logged.push(`Product ${data.name} created with SKU ${data.sku}`);
          }
        ],
        afterDelete: [
          async (data) => {
            await notifyWarehouse(data.sku);
          }
        ]
      }
    });

    await products.insert({ name: 'Lamp', price: 10 });
    // afterInsert returns nothing; read the record back instead of using insert's result.
    const [product] = await products.list();
    expect(product.sku).toMatch(/^PROD-\d+$/);
    expect(logged).toEqual([`Product Lamp created with SKU ${product.sku}`]);
    const updated = await products.update(product.id, { price: 12 });
    expect(updated.price).toBe(12);
    expect(updated.updatedAt).toMatch(ISO_DATE);
    await products.delete(product.id);
    expect(notified).toEqual([product.sku]);
  });

  it('Events (declarative listeners with $before/$after)', async () => {
    const db = s3dbFor();
    await db.connect();
    const log = [];
    let resolveDelete;
    const deletedSeen = new Promise((resolve) => { resolveDelete = resolve; });
    const users = await db.createResource({
      name: 'users',
      attributes: { name: 'string', email: 'string' },
      events: {
        insert: (event) => {
          log.push(`User created: ${event.id} ${event.name}`);
        },
        update: [
          (event) => log.push(`Update detected: ${event.id}`),
          (event) => {
            if (event.$before.email !== event.$after.email) {
              log.push('Email changed!');
            }
          }
        ],
        delete: (event) => {
          log.push(`User deleted: ${event.id}`);
          resolveDelete();
        }
      }
    });

    await users.insert({ id: 'u1', name: 'Ann', email: 'a@x.io' });
    await users.update('u1', { email: 'b@x.io' });
    await users.delete('u1');
    await deletedSeen;
    expect(log).toEqual(['User created: u1 Ann', 'Update detected: u1', 'Email changed!', 'User deleted: u1']);
  });
});

// =============================================================================================
describe('core documentation page', () => {
  it('Database + Resource', async () => {
    const db = new Database({
      connectionString: uniqueUrl('bucket') // 's3://KEY:SECRET@bucket?region=us-east-1'
    });
    open.push(db);
    await db.connect();

    const users = await db.createResource({
      name: 'users',
      attributes: {
        name: 'string|required',
        email: 'string|email|required',
        age: 'number|min:0'
      }
    });

    const john = await users.insert({ name: 'John', email: 'john@example.com', age: 30 });
    expect(userFields(await users.get(john.id))).toEqual({ id: john.id, name: 'John', email: 'john@example.com', age: 30 });
  });

  it('Schema: basic, special and nested types', async () => {
    const db = s3dbFor();
    await db.connect();
    const attributes = {
      name: 'string|required',
      count: 'number|min:0',
      active: 'boolean',
      password: 'secret|required',
      vector: 'embedding:8', // docs: embedding:1536
      ip: 'ip4',
      profile: {
        bio: 'string|max:500',
        avatar: 'url'
      }
    };
    const things = await db.createResource({ name: 'things', attributes });
    const vector = [0.5, -0.25, 0.125, 0, 1, -1, 0.75, 0.333333];
    const thing = await things.insert({
      name: 'T', count: 3, active: false, password: 'pw', vector, ip: '10.0.0.1',
      profile: { bio: 'About', avatar: 'https://example.com/a.png' },
    });
    const got = await things.get(thing.id);
    expect(userFields(got)).toEqual({
      id: thing.id, name: 'T', count: 3, active: false, password: 'pw', vector, ip: '10.0.0.1',
      profile: { bio: 'About', avatar: 'https://example.com/a.png' },
    });
  });

  it('Partitions: orders by user and status', async () => {
    const db = s3dbFor();
    await db.connect();
    const orders = await db.createResource({
      name: 'orders',
      attributes: {
        userId: 'string|required',
        status: 'string|required',
        total: 'number'
      },
      partitions: {
        byUser: { fields: { userId: 'string' } },
        byStatus: { fields: { status: 'string' } }
      }
    });
    await orders.insert({ userId: 'user123', status: 'paid', total: 10 });
    await orders.insert({ userId: 'user123', status: 'pending', total: 20 });
    await orders.insert({ userId: 'user456', status: 'paid', total: 30 });

    // Docs: orders.listPartition('byUser', { userId: 'user123' }); 12.4 takes one object.
    const userOrders = await orders.listPartition({ partition: 'byUser', partitionValues: { userId: 'user123' } });
    expect(userOrders.map((o) => o.total).sort()).toEqual([10, 20]);
    expect(await orders.count({ partition: 'byStatus', partitionValues: { status: 'paid' } })).toBe(2);
  });

  it('Events', async () => {
    const db = s3dbFor();
    await db.connect();
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    const seen = [];
    const updated = new Promise((resolve) => {
      users.on('insert', (event) => { seen.push(`New user: ${event.id}`); });
      users.on('update', (event) => { seen.push(`Updated: ${event.id}`); resolve(); });
    });
    const user = await users.insert({ name: 'Ann' });
    await users.update(user.id, { name: 'Anne' });
    await updated;
    expect(seen).toEqual([`New user: ${user.id}`, `Updated: ${user.id}`]);
  });

  it('Encryption: per-resource passphrase', async () => {
    const db = s3dbFor();
    await db.connect();
    const users = await db.createResource({
      name: 'users',
      attributes: {
        email: 'string|required',
        ssn: 'secret|required',
        apiKey: 'secret|optional'
      },
      passphrase: 'your-secure-passphrase'
    });
    const user = await users.insert({ email: 'a@example.com', ssn: '123-45-6789' });
    const got = await users.get(user.id);
    expect(got.ssn).toBe('123-45-6789');
    expect(got.apiKey).toBeUndefined();
  });

  it('Quick Start: posts with body-overflow and timestamps', async () => {
    const db = new Database({
      connectionString: uniqueUrl('my-bucket') // 's3://KEY:SECRET@my-bucket?region=us-east-1'
    });
    open.push(db);
    await db.connect();

    const posts = await db.createResource({
      name: 'posts',
      attributes: {
        title: 'string|required',
        content: 'string|required',
        published: 'boolean'
      },
      behavior: 'body-overflow',
      timestamps: true
    });

    const post = await posts.insert({
      title: 'Hello World',
      content: 'My first post...',
      published: true
    });

    const found = await posts.get(post.id);
    expect(found).toMatchObject({ title: 'Hello World', content: 'My first post...', published: true });
    expect(found.createdAt).toMatch(ISO_DATE);
    await posts.update(post.id, { published: false });
    expect((await posts.get(post.id)).published).toBe(false);
    await posts.delete(post.id);
    expect(await posts.exists(post.id)).toBe(false);

    await db.disconnect();
    expect(db.isConnected()).toBe(false);
  });
});
