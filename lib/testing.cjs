'use strict';
// Test-data helpers s3db.js exports: `Factory` (named record blueprints with sequences, traits and
// create callbacks) and `Seeder` (fills and empties a database with them). Pure orchestration
// over the resource API.

class Factory {
  static _sequences = new Map();
  static _factories = new Map();
  static _database = null;

  /** Registers and returns the factory of `resourceName`. */
  static define(resourceName, definition, options = {}) {
    const factory = new Factory(resourceName, definition, options);
    Factory._factories.set(resourceName, factory);
    return factory;
  }

  static setDatabase(database) {
    Factory._database = database;
  }

  static get(resourceName) {
    return Factory._factories.get(resourceName);
  }

  static resetSequences() {
    Factory._sequences.clear();
  }

  static reset() {
    Factory._sequences.clear();
    Factory._factories.clear();
    Factory._database = null;
  }

  constructor(resourceName, definition, options = {}) {
    this.resourceName = resourceName;
    this.definition = definition;
    this.options = options;
    this.traits = new Map();
    this.afterCreateCallbacks = [];
    this.beforeCreateCallbacks = [];
  }

  /** The next number of sequence `name` (1, 2, …), shared by every factory. */
  sequence(name = this.resourceName) {
    const next = (Factory._sequences.get(name) || 0) + 1;
    Factory._sequences.set(name, next);
    return next;
  }

  trait(name, attributes) {
    this.traits.set(name, attributes);
    return this;
  }

  afterCreate(callback) {
    this.afterCreateCallbacks.push(callback);
    return this;
  }

  beforeCreate(callback) {
    this.beforeCreateCallbacks.push(callback);
    return this;
  }

  /** The attributes of one record: definition, then traits, then overrides; functions are called with `{seq, factory}`. */
  async build(overrides = {}, { traits = [] } = {}) {
    const context = { seq: this.sequence(), factory: this };
    const layers = [typeof this.definition === 'function' ? await this.definition(context) : this.definition];
    for (const name of traits) {
      if (!this.traits.has(name)) throw new Error(`Trait '${name}' not found in factory '${this.resourceName}'`);
      const trait = this.traits.get(name);
      layers.push(typeof trait === 'function' ? await trait(context) : trait);
    }
    const attributes = Object.assign({}, ...layers, overrides);
    for (const [key, value] of Object.entries(attributes)) {
      if (typeof value === 'function') attributes[key] = await value(context);
    }
    return attributes;
  }

  /** Builds and inserts one record. */
  async create(overrides = {}, options = {}) {
    const database = options.database || Factory._database;
    if (!database) throw new Error('Database not set. Use Factory.setDatabase(db) or pass database option');
    let attributes = await this.build(overrides, options);
    for (const callback of this.beforeCreateCallbacks) attributes = (await callback(attributes)) || attributes;
    const resource = database.resources[this.resourceName];
    if (!resource) throw new Error(`Resource '${this.resourceName}' not found in database`);
    let created = await resource.insert(attributes);
    for (const callback of this.afterCreateCallbacks) created = (await callback(created, { database })) || created;
    return created;
  }

  async createMany(count, overrides = {}, options = {}) {
    const records = [];
    for (let i = 0; i < count; i += 1) records.push(await this.create(overrides, options));
    return records;
  }

  async buildMany(count, overrides = {}, options = {}) {
    const records = [];
    for (let i = 0; i < count; i += 1) records.push(await this.build(overrides, options));
    return records;
  }

  async createWithTraits(traits, overrides = {}, options = {}) {
    return this.create(overrides, { ...options, traits: [].concat(traits) });
  }

  async buildWithTraits(traits, overrides = {}, options = {}) {
    return this.build(overrides, { ...options, traits: [].concat(traits) });
  }
}

class Seeder {
  constructor(database, options = {}) {
    this.database = database;
    this.options = options;
    this.verbose = options.verbose !== false;
  }

  log(message) {
    if (this.verbose) console.log(`[Seeder] ${message}`);
  }

  /** `{resourceName: count}` records from the registered factories; resolves to them by resource. */
  async seed(specs) {
    const created = {};
    for (const [resourceName, count] of Object.entries(specs)) {
      const factory = Factory.get(resourceName);
      if (!factory) throw new Error(`Factory for '${resourceName}' not found. Define it with Factory.define()`);
      created[resourceName] = await factory.createMany(count, {}, { database: this.database });
      this.log(`${resourceName}: ${count} created`);
    }
    return created;
  }

  async seedAndReturn(specs) {
    return this.seed(specs);
  }

  async call(callback) {
    return callback(this.database);
  }

  /** Deletes every record of the named resources (unknown names are skipped). */
  async truncate(resourceNames) {
    for (const name of resourceNames) {
      const resource = this.database.resources[name];
      if (!resource) {
        this.log(`${name}: no such resource, skipped`);
        continue;
      }
      const ids = await resource.listIds();
      if (ids.length) await resource.deleteMany(ids);
      this.log(`${name}: ${ids.length} deleted`);
    }
  }

  async truncateAll() {
    await this.truncate(Object.keys(this.database.resources));
  }

  /** Runs seeder functions `(database) => …` in order; resolves to their results. */
  async run(seeders) {
    const results = [];
    for (const seeder of seeders) results.push(await seeder(this.database));
    return results;
  }

  async reset() {
    await this.truncateAll();
    Factory.resetSequences();
  }
}

module.exports = { Factory, Seeder };
