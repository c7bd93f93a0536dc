// Type definitions for s3db-native: the s3db.js 12.4 API.
/// <reference types="node" />
import { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';

export type Behavior = 'user-managed' | 'enforce-limits' | 'truncate-data' | 'body-overflow' | 'body-only'
  | 'user-management' | 'data-truncate';

/** An attribute definition: shorthand (`'string|min:2'`), object notation, nested object or alternatives. */
export type AttributeDefinition = string | { type: string; [rule: string]: unknown } | AttributesDefinition | AttributeDefinition[];
export interface AttributesDefinition {
  $$type?: string;
  [field: string]: AttributeDefinition | undefined;
}

export interface PartitionDefinition {
  fields: Record<string, string>;
}

export type HookFunction<T = any> = (this: Resource<any>, data: T) => T | void | Promise<T | void>;
export type HookName =
  | 'beforeInsert' | 'afterInsert' | 'beforeUpdate' | 'afterUpdate' | 'beforeDelete' | 'afterDelete'
  | 'beforeGet' | 'afterGet' | 'beforeList' | 'afterList' | 'beforeQuery' | 'afterQuery'
  | 'beforePatch' | 'afterPatch' | 'beforeReplace' | 'afterReplace' | 'beforeExists' | 'afterExists'
  | 'beforeCount' | 'afterCount' | 'beforeGetMany' | 'afterGetMany' | 'beforeDeleteMany' | 'afterDeleteMany';
/** `preUpdate` may also be `(id, data)`, `preDelete` is `(id)` and returning `false` aborts the delete. */
export type LegacyHookName = 'preInsert' | 'preUpdate' | 'preDelete';
export type Hooks = Partial<Record<HookName | LegacyHookName, HookFunction[]>>;

/** Methods middlewares can wrap (`inserted`/`updated`/`deleted`/`fetched` are accepted as aliases). */
export type MiddlewareMethod =
  | 'get' | 'list' | 'listIds' | 'getAll' | 'count' | 'page' | 'insert' | 'update' | 'delete' | 'deleteMany'
  | 'exists' | 'getMany' | 'query' | 'replace' | 'patch' | 'inserted' | 'updated' | 'deleted' | 'fetched';
export interface MiddlewareContext<T extends object = Record<string, any>> {
  resource: Resource<T>;
  /** The call's arguments; a middleware may replace them before calling `next()`. */
  args: any[];
  method: string;
}
export type Middleware = (ctx: MiddlewareContext, next: () => Promise<any>) => any;

export interface ResourceConfig {
  name: string;
  attributes: AttributesDefinition;
  behavior?: Behavior;
  timestamps?: boolean;
  partitions?: Record<string, PartitionDefinition> | string[];
  paranoid?: boolean;
  allNestedObjectsOptional?: boolean;
  autoDecrypt?: boolean;
  cache?: boolean;
  asyncEvents?: boolean;
  /** Accepted; references are always written before a write resolves (failures: `partitionIndexError`). */
  asyncPartitions?: boolean;
  /** `false` lets partitions name fields the attributes lack (see `findOrphanedPartitions`). */
  strictValidation?: boolean;
  idGenerator?: number | ((data?: unknown) => string);
  idSize?: number;
  passphrase?: string;
  hooks?: Hooks;
  events?: Record<string, ((...args: any[]) => void) | Array<(...args: any[]) => void>>;
  /** `[fn]` wraps every method; `{method | '*': fn | fn[]}` names them. */
  middlewares?: Middleware[] | Partial<Record<MiddlewareMethod | '*', Middleware | Middleware[]>>;
  /** Old releases nested these options. */
  options?: Pick<ResourceConfig, 'behavior' | 'timestamps' | 'partitions' | 'hooks'>;
}

/** Settings of the S3 backend, given to `S3Client`/`S3db` or as connection-string query parameters. */
export interface S3Tunables {
  /** Per-request timeout in ms (default 30 000); a request that times out is retried. */
  requestTimeout?: number | string;
  /** TCP/TLS connect timeout in ms (default 3 000). */
  connectTimeout?: number | string;
  /** Attempts per request, the first included (default 3); retries back off exponentially with jitter. */
  maxAttempts?: number | string;
  /** `WHEN_REQUIRED` (default for custom endpoints: R2, B2, older MinIO) or `WHEN_SUPPORTED` (default on AWS). */
  requestChecksumCalculation?: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
  /** Duplicate-id detection: `auto` (probe once), `native` (If-None-Match), `emulate` (HEAD first; Garage). */
  conditionalWrites?: 'auto' | 'native' | 'emulate';
  httpClientOptions?: { timeout?: number };
}

/** What a foreign `client` must offer (s3db.js's client interface). */
export interface ClientLike {
  config?: { bucket?: string; keyPrefix?: string };
  putObject(params: { key: string; metadata?: Record<string, string>; body?: Buffer; contentType?: string; ifMatch?: string; ifNoneMatch?: string }): Promise<{ ETag?: string } | unknown>;
  getObject(key: string): Promise<{ Body?: unknown; Metadata?: Record<string, string>; ContentType?: string; ContentLength?: number; ETag?: string; LastModified?: Date | string }>;
  headObject(key: string): Promise<{ Metadata?: Record<string, string>; ContentType?: string; ContentLength?: number; ETag?: string; LastModified?: Date | string }>;
  copyObject(params: { from: string; to: string; metadata?: Record<string, string>; metadataDirective?: 'COPY' | 'REPLACE'; contentType?: string }): Promise<unknown>;
  deleteObject(key: string): Promise<unknown>;
  deleteObjects(keys: string[]): Promise<{ Deleted?: Array<{ Key: string }> } | unknown>;
  listObjects(params: { prefix?: string; maxKeys?: number; continuationToken?: string }): Promise<{ Contents?: Array<{ Key: string }>; IsTruncated?: boolean; NextContinuationToken?: string }>;
}

export interface DatabaseOptions extends S3Tunables {
  /**
   * `s3://KEY:SECRET@bucket/prefix?region=…`, `s3://bucket/prefix` (default AWS credential chain),
   * `http(s)://KEY:SECRET@host:port/bucket/prefix` (S3-compatible, path style) `memory://bucket/prefix` or `file://./path`.
   */
  connectionString?: string;
  /** Old spelling of `connectionString`. */
  uri?: string;
  client?: MemoryClient | FileSystemClient | S3Client | ClientLike;
  /** Used instead of a connection string: with `endpoint` a path-style URL, with keys an s3:// one. */
  bucket?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  passphrase?: string;
  parallelism?: number | string;
  /** S3 request scheduling: concurrency (default 100 when given), retries, auto-tuning, monitoring. */
  executorPool?: ExecutorPoolOptions;
  /** Merged into `executorPool.monitoring`. */
  taskExecutorMonitoring?: ExecutorPoolOptions['monitoring'];
  verbose?: boolean;
  versioningEnabled?: boolean;
  persistHooks?: boolean;
  strictValidation?: boolean;
  cache?: unknown;
  /** Plugin instances, plugin classes (instantiated with the database) or `{setup, start, stop}` objects. */
  plugins?: Array<Plugin | PluginLike | (new (...args: any[]) => Plugin | PluginLike)>;
}

export interface ExecutorPoolOptions {
  /** Requests in flight at once (1–1000), or `'auto'` to start at 100 within the auto-tuning bounds. */
  concurrency?: number | 'auto';
  /** Retries after a failed attempt (exponential backoff with jitter). */
  retries?: number;
  /** First retry's backoff in ms. */
  retryDelay?: number;
  /** Per-attempt timeout in ms. */
  timeout?: number;
  autoTuning?: AutoTuningOptions;
  /** Older spelling of `autoTuning`. */
  autotune?: AutoTuningOptions;
  monitoring?: { enabled?: boolean; reportInterval?: number; exporter?: (snapshot: PoolSnapshot) => void; [key: string]: unknown };
}

export interface AutoTuningOptions {
  enabled?: boolean;
  minConcurrency?: number;
  maxConcurrency?: number;
  /** Median request time (ms) above which concurrency backs off. */
  targetLatency?: number;
  adjustmentInterval?: number;
}

export interface QueueStats {
  /** `null` on local stores, which answer every request at once. */
  concurrency: number | null;
  queueSize: number;
  activeCount: number;
  processedCount: number;
  errorCount: number;
  retryCount: number;
  /** `pausePool()` holds requests back until `resumePool()`. */
  paused: boolean;
  /** `stopPool()` was called: requests are refused. */
  stopped: boolean;
}

export interface RequestLatencies {
  count: number;
  sampleSize: number;
  avgExecution: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface PoolSnapshot extends QueueStats {
  timestamp: number;
  metrics: RequestLatencies | null;
}

export interface TaskContext {
  id: string;
  attempt: number;
  retries: number;
  metadata: Record<string, unknown>;
  signal: AbortSignal;
}

export interface TasksPoolOptions {
  concurrency?: number | 'auto';
  retries?: number;
  retryDelay?: number;
  timeout?: number;
  /** Error names or codes worth a retry (empty: all). */
  retryableErrors?: string[];
  autoTuning?: AutoTuningOptions;
  features?: { emitEvents?: boolean };
}

export interface EnqueueOptions {
  priority?: number;
  retries?: number;
  timeout?: number;
  metadata?: Record<string, unknown>;
  id?: string;
}

export declare class TasksPool extends EventEmitter {
  constructor(options?: TasksPoolOptions);
  readonly concurrency: number | 'auto';
  readonly effectiveConcurrency: number;
  enqueue<T>(fn: (context: TaskContext) => T | Promise<T>, options?: EnqueueOptions): Promise<T>;
  addBatch<T>(fns: Array<(context: TaskContext) => T | Promise<T>>, options?: EnqueueOptions & {
    onItemComplete?: (result: T, index: number) => void; onItemError?: (error: Error, index: number) => void;
  }): Promise<{ results: Array<T | null>; errors: Array<{ error: Error; index: number }>; batchId: string }>;
  process<T, R>(items: T[], processor: (item: T, index: number, pool: TasksPool) => R | Promise<R>, options?: EnqueueOptions & {
    onSuccess?: (item: T, result: R) => void; onError?: (item: T, error: Error) => void;
  }): Promise<{ results: R[]; errors: Array<{ item: T; error: Error; index: number }> }>;
  static map<T, R>(items: T[], processor: (item: T, index: number) => R | Promise<R>, options?: {
    concurrency?: number; onItemComplete?: (result: R, index: number) => void; onItemError?: (error: Error, item: T, index: number) => void;
  }): Promise<{ results: R[]; errors: Array<{ item: T; error: Error; index: number }> }>;
  pause(): Promise<void>;
  resume(): void;
  drain(): Promise<void>;
  stop(): void;
  destroy(): Promise<void>;
  setConcurrency(concurrency: number | 'auto'): void;
  getConcurrency(): number | 'auto';
  getStats(): { queueSize: number; activeCount: number; processedCount: number; errorCount: number; retryCount: number; concurrency: number | 'auto'; effectiveConcurrency: number; paused: boolean; stopped: boolean };
  getTaskMetrics(taskId: string): Record<string, unknown> | undefined;
  getAggregateMetrics(since?: number): {
    count: number; avgQueueWait: number; avgExecution: number; avgTotal: number; p50Execution: number; p95Execution: number;
    p99Execution: number; errorRate: number; avgRetries: number; autoTuning: Record<string, number> | null;
  } | null;
}

export declare class TasksRunner extends TasksPool {
  static readonly failed: unique symbol;
  static readonly notRun: unique symbol;
  static withConcurrency(concurrency: number): TasksRunner;
  static process<T, R>(items: T[], processor: (item: T, index: number, runner: TasksRunner) => R | Promise<R>, options?: TasksPoolOptions & EnqueueOptions): Promise<{ results: R[]; errors: Array<{ item: T; error: Error; index: number }> }>;
  processIterable<T, R>(items: Iterable<T> | AsyncIterable<T>, processor: (item: T, index: number, runner: TasksRunner) => R | Promise<R>, options?: EnqueueOptions & {
    onItemComplete?: (item: T, result: R) => void; onItemError?: (item: T, error: Error) => void;
  }): Promise<{ results: R[]; errors: Array<{ item: T; error: Error; index: number }> }>;
  processCorresponding<T, R>(items: T[], processor: (item: T, index: number, runner: TasksRunner) => R | Promise<R>, options?: EnqueueOptions): Promise<Array<R | typeof TasksRunner.failed | typeof TasksRunner.notRun>>;
  getProgress(): { total: number; completed: number; failed: number; pending: number; percentage: number };
  reset(): void;
}

/** Fields every record read back carries. */
export interface RecordMeta {
  id: string;
  _contentLength: number;
  _lastModified: string;
  _hasContent: boolean;
  _mimeType: string;
  _etag: string;
  _v: string;
  _definitionHash: string;
  _originalVersion: string;
  _versionMapped: boolean;
}

export type Stored<T> = T & RecordMeta;

export interface ListOptions {
  partition?: string;
  partitionValues?: Record<string, unknown>;
  limit?: number;
  offset?: number;
}

export interface PageResult<T> {
  items: Stored<T>[];
  totalItems: number | null;
  page: number;
  pageSize: number;
  totalPages: number | null;
  hasMore: boolean;
  _debug: {
    requestedSize: number;
    requestedOffset: number;
    actualItemsReturned: number;
    skipCount: boolean;
    hasTotalItems: boolean;
    error?: string;
    /** Ids of records in this page that could not be read (each also an `error` event). */
    unreadable?: string[];
  };
}

export interface SchemaInfo {
  name: string;
  attributes: AttributesDefinition;
  /** Field path -> short metadata key. */
  map: Record<string, string>;
  reversedMap: Record<string, string>;
  pluginMap: Record<string, string>;
  version: string;
  options: { autoDecrypt: boolean; allNestedObjectsOptional: boolean; arraySeparator: '|' };
}

export interface ValidationResult<D = Record<string, unknown>> {
  isValid: boolean;
  valid: boolean;
  errors: ValidationIssue[];
  data: D;
  original: D;
}

export declare class Resource<T extends object = Record<string, any>> extends EventEmitter {
  /** A resource on `client` (or `database`) that is not added to the database nor to s3db.json. */
  constructor(config: ResourceConfig & { client?: StoreClient | ClientLike; database?: Database; passphrase?: string });
  readonly name: string;
  readonly version: string;
  readonly attributes: AttributesDefinition;
  readonly behavior: Behavior;
  readonly schema: Schema;
  readonly idGeneratorType: number | 'custom_function';
  readonly map: Record<string, string>;
  readonly config: Record<string, unknown>;
  readonly hooks: Record<string, HookFunction[]>;
  readonly database: Database;

  insert(data: Partial<T> & { id?: string }): Promise<Stored<T>>;
  insertMany(objects: Array<Partial<T> & { id?: string }>): Promise<Stored<T>[]>;
  get(id: string): Promise<Stored<T>>;
  getOrNull(id: string): Promise<Stored<T> | null>;
  getOrThrow(id: string): Promise<Stored<T>>;
  exists(id: string): Promise<boolean>;
  /** With `ifMatch`, rejects with a `PreconditionFailed` error unless the record is still at that ETag. */
  update(id: string, attributes: Partial<T> & Record<string, unknown>, options?: { ifMatch?: string }): Promise<Stored<T>>;
  updateConditional(
    id: string,
    attributes: Partial<T> & Record<string, unknown>,
    options: { ifMatch: string },
  ): Promise<{ success: true; data: Stored<T>; etag: string } | { success: false; error: string; validationErrors?: unknown[] }>;
  patch(id: string, fields: Partial<T> & Record<string, unknown>, options?: Record<string, unknown>): Promise<Stored<T>>;
  replace(id: string, data: Partial<T>, options?: Record<string, unknown>): Promise<Stored<T>>;
  upsert(data: Partial<T> & { id?: string }): Promise<Stored<T>>;
  delete(id: string): Promise<{ id: string; deleted: true }>;
  deleteMany(ids: string[]): Promise<Array<{ id: string; deleted: true }>>;
  deleteAll(): Promise<{ deletedCount: number; version: string }>;
  deleteAllData(): Promise<{ deletedCount: number; resource: string }>;
  getMany(ids: string[]): Promise<Array<Stored<T> | { id: string; _error: string; _decryptionFailed?: boolean }>>;
  getAll(): Promise<Stored<T>[]>;
  list(options?: ListOptions): Promise<Stored<T>[]>;
  listMain(options?: { limit?: number; offset?: number }): Promise<Stored<T>[]>;
  listPartition(options: ListOptions & { partition: string }): Promise<Stored<T>[]>;
  listIds(options?: ListOptions): Promise<string[]>;
  count(options?: Pick<ListOptions, 'partition' | 'partitionValues'>): Promise<number>;
  page(options?: { offset?: number; size?: number; partition?: string; partitionValues?: Record<string, unknown>; skipCount?: boolean }): Promise<PageResult<T>>;
  query(filter?: Partial<T>, options?: ListOptions): Promise<Stored<T>[]>;
  addHook(name: HookName | LegacyHookName, fn: HookFunction): void;
  executeHooks(name: HookName, data: unknown): Promise<unknown>;
  useMiddleware(method: MiddlewareMethod, fn: Middleware): void;
  /** Records as a Node Readable (one native call per page; backpressure; `id` events). */
  readable(options?: ReaderOptions): ResourceReader<T>;
  /** A Node Writable that inserts the documents written to it. */
  writable(options?: WriterOptions): ResourceWriter<T>;
  /** Set by CachePlugin. */
  cache?: Cache;
  cacheKeyFor?(options: CacheKeyOptions): Promise<string>;
  clearPartitionCache?(partition: string, partitionValues?: Record<string, unknown>): Promise<boolean>;
  getPartitionCacheStats?(partition?: string | null): Promise<Record<string, any>>;
  getFromPartition(options: { id: string; partitionName: string; partitionValues?: Record<string, unknown> }): Promise<Stored<T> & { _partition: string; _partitionValues: Record<string, unknown> }>;
  getPartitionKey(options: { partitionName: string; id?: string; data: Record<string, unknown> }): string | null;
  findOrphanedPartitions(): Record<string, OrphanedPartition>;
  removeOrphanedPartitions(options?: { dryRun?: boolean }): Record<string, OrphanedPartition>;
  validatePartitions(): void;
  repairPartitions(): Promise<PartitionRepair>;
  getResourceKey(id: string): string;
  getDefinitionHash(): string;
  export(): Record<string, unknown>;
  /** Validates without writing; the id is left out unless `includeId`. */
  validate(data: Partial<T> & Record<string, unknown>, options?: { throwOnError?: boolean; includeId?: boolean; mutateOriginal?: boolean }): Promise<ValidationResult>;
  updateAttributes(attributes: AttributesDefinition): { oldAttributes: AttributesDefinition; newAttributes: AttributesDefinition };
  addPluginAttribute(name: string, definition: AttributeDefinition, pluginName: string): void;
  removePluginAttribute(name: string, pluginName?: string | null): boolean;
  setContent(params: { id: string; buffer: Buffer | Uint8Array | string; contentType?: string }): Promise<Stored<T> & { _hasContent: true; _contentLength: number; _mimeType: string }>;
  content(id: string): Promise<{ buffer: Buffer | null; contentType: string | null }>;
  hasContent(id: string): Promise<boolean>;
  deleteContent(id: string): Promise<void>;
}

export interface OrphanedPartition {
  missingFields: string[];
  definition: PartitionDefinition;
  allFields: string[];
}

/** What `repairPartitions()` found and did. */
export interface PartitionRepair {
  records: number;
  references: number;
  created: number;
  removed: number;
  unreadable: number;
}

export declare class Database extends EventEmitter {
  constructor(options?: DatabaseOptions);
  readonly id: string;
  readonly version: string;
  readonly s3dbVersion: string;
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly passphrase: string;
  readonly parallelism: number;
  readonly client: MemoryClient | FileSystemClient | S3Client;
  resources: Record<string, Resource<any>>;
  savedMetadata: Record<string, any> | null;
  readonly config: { version: string; s3dbVersion: string; bucket: string; keyPrefix: string; parallelism: number; verbose: boolean };
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  createResource<T extends object = Record<string, any>>(config: ResourceConfig): Promise<Resource<T>>;
  /** The loaded resource when its definition hash matches (nothing written); createResource otherwise. */
  createResourceIfNotExists<T extends object = Record<string, any>>(config: ResourceConfig): Promise<{ resource: Resource<T>; created: boolean; reason: string }>;
  resourceExistsWithSameHash(config: { name: string; attributes: AttributesDefinition; behavior?: Behavior; partitions?: Record<string, PartitionDefinition>; options?: Partial<ResourceConfig> }): { exists: boolean; sameHash: boolean; hash: string; existingHash?: string };
  uploadMetadataFile(): Promise<Record<string, any>>;
  resourceExists(name: string): boolean;
  resource<T extends object = Record<string, any>>(name: string): Resource<T> | undefined;
  getResource<T extends object = Record<string, any>>(name: string): Promise<Resource<T>>;
  listResources(): Promise<Array<{ name: string }>>;
  /** Registry name → plugin (`cache`, `costs`, …); `pluginRegistry` is the same object. */
  plugins: Record<string, Plugin | PluginLike>;
  pluginRegistry: Record<string, Plugin | PluginLike>;
  pluginList: unknown[];
  usePlugin<P extends Plugin | PluginLike>(plugin: P | (new (...args: any[]) => P), name?: string): Promise<P>;
  uninstallPlugin(name: string, options?: { purgeData?: boolean }): Promise<void>;
  startPlugins(): Promise<void>;
  addHook(event: DatabaseHookName, fn: (context: DatabaseHookContext) => unknown): void;
  removeHook(event: DatabaseHookName, fn: (context: DatabaseHookContext) => unknown): void;
  getHooks(event: DatabaseHookName): Array<(context: DatabaseHookContext) => unknown>;
  clearHooks(event?: DatabaseHookName): void;
}

export type DatabaseHookName =
  | 'beforeConnect' | 'afterConnect' | 'beforeCreateResource' | 'afterCreateResource'
  | 'beforeUploadMetadata' | 'afterUploadMetadata' | 'beforeDisconnect' | 'afterDisconnect'
  | 'resourceCreated' | 'resourceUpdated';
export interface DatabaseHookContext {
  database: Database;
  method?: string;
  args?: unknown[];
  result?: unknown;
  config?: ResourceConfig;
  resource?: Resource<any>;
}

// ---- streams

export interface ReaderOptions {
  /** Records (or IDs) per native call; default 100 records, 1000 IDs. */
  pageSize?: number;
  partition?: string;
  partitionValues?: Record<string, unknown>;
  highWaterMark?: number;
  /** s3db.js options, accepted for compatibility. */
  batchSize?: number;
  concurrency?: number;
}
export interface WriterOptions {
  /** Documents queued before `write()` reports backpressure; what queues up is inserted as one batch. */
  batchSize?: number;
  concurrency?: number;
  highWaterMark?: number;
}
export declare class ResourceReader<T extends object = Record<string, any>> extends Readable {
  constructor(options: ReaderOptions & { resource: Resource<T> });
  readonly resource: Resource<T>;
  build(): this;
  [Symbol.asyncIterator](): NodeJS.AsyncIterator<Stored<T>>;
}
export declare class ResourceIdsReader extends Readable {
  constructor(options: ReaderOptions & { resource: Resource<any> });
  build(): this;
  [Symbol.asyncIterator](): NodeJS.AsyncIterator<string>;
}
export declare class ResourceIdsPageReader extends Readable {
  constructor(options: ReaderOptions & { resource: Resource<any> });
  build(): this;
  [Symbol.asyncIterator](): NodeJS.AsyncIterator<string[]>;
}
export declare class ResourceWriter<T extends object = Record<string, any>> extends Writable {
  constructor(options: WriterOptions & { resource: Resource<T> });
  build(): this;
}
export declare function streamToString(stream: AsyncIterable<string | Uint8Array>): Promise<string>;

// ---- plugins

/** Old plain-object plugins. */
export interface PluginLike {
  setup?(database: Database): unknown;
  start?(): unknown;
  stop?(): unknown;
  [member: string]: unknown;
}
export declare const PluginObject: Required<Pick<PluginLike, 'setup' | 'start' | 'stop'>>;

export declare class PluginStorage {
  readonly pluginSlug: string;
  getPluginKey(resourceName: string | null, ...parts: string[]): string;
  set(key: string, data: Record<string, unknown>, options?: { ttl?: number; behavior?: 'body-overflow' | 'body-only' | 'enforce-limits'; contentType?: string }): Promise<void>;
  put(key: string, data: Record<string, unknown>, options?: { ttl?: number; behavior?: 'body-overflow' | 'body-only' | 'enforce-limits'; contentType?: string }): Promise<void>;
  get(key: string): Promise<Record<string, any> | null>;
  has(key: string): Promise<boolean>;
  list(prefix?: string, options?: { limit?: number }): Promise<string[]>;
  listForResource(resourceName: string, subPrefix?: string, options?: { limit?: number }): Promise<string[]>;
  delete(key: string): Promise<void>;
  deleteAll(resourceName?: string | null): Promise<number>;
  increment(key: string, amount?: number, options?: { ttl?: number }): Promise<number>;
  acquireLock(lockName: string, options?: { ttl?: number; timeout?: number; workerId?: string }): Promise<{ key: string; workerId: string } | null>;
  releaseLock(lockName: string): Promise<void>;
  isLocked(lockName: string): Promise<boolean>;
  decrement(key: string, amount?: number, options?: { ttl?: number }): Promise<number>;
  batchPut(items: Array<{ key: string; data: Record<string, unknown>; options?: { ttl?: number; behavior?: string } }>): Promise<Array<{ key: string; ok: boolean; error?: Error }>>;
  batchSet(items: Array<{ key: string; data: Record<string, unknown>; options?: { ttl?: number; behavior?: string } }>): Promise<Array<{ key: string; ok: boolean; error?: Error }>>;
  batchGet(keys: string[]): Promise<Array<{ key: string; ok: boolean; data?: Record<string, any> | null; error?: Error }>>;
  /** Seconds left; null when missing or without a TTL. */
  getTTL(key: string): Promise<number | null>;
  /** True when missing or past its TTL. */
  isExpired(key: string): Promise<boolean>;
  /** Extends a live entry's TTL; false when it has none or is gone. */
  touch(key: string, additionalSeconds: number): Promise<boolean>;
}

export declare class Plugin extends EventEmitter {
  constructor(options?: Record<string, unknown>);
  name: string;
  slug: string;
  options: Record<string, unknown>;
  database: Database | null;
  install(database: Database): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  uninstall(options?: { purgeData?: boolean }): Promise<void>;
  onInstall(): Promise<void>;
  onStart(): Promise<void>;
  onStop(): Promise<void>;
  onUninstall(options?: { purgeData?: boolean }): Promise<void>;
  /** Typings' alias of install; an override is called during install. */
  setup(database: Database): Promise<void>;
  /** Optional: called during install with the database (the seed README's form). */
  initialize?(database: Database): unknown;
  getStorage(): PluginStorage;
  addHook(resource: Resource<any>, event: HookName, handler: HookFunction): void;
  removeHook(resource: Resource<any>, event: HookName, handler: HookFunction): void;
  wrapResourceMethod(resource: Resource<any>, method: string, wrapper: (this: Resource<any>, result: any, args: any[], method: string) => any): void;
  addMiddleware(resource: Resource<any>, method: string, middleware: (this: Resource<any>, next: (...args: any[]) => Promise<any>, ...args: any[]) => any): void;
  /** `wrapper(original, target, args)` around a method of every resource (`'Resource'`) or of the database. */
  wrapMethod(className: 'Resource' | 'Database', method: string, wrapper: (original: (...args: any[]) => Promise<any>, target: any, args: any[]) => any): void;
  getPartitionValues(data: Record<string, unknown>, resource: Resource<any>): Record<string, Record<string, unknown>>;
  getNestedFieldValue(data: Record<string, unknown>, path: string): unknown;
}

/** Cache drivers: `get` resolves to `null` on a miss; `ttl` is in milliseconds. */
export declare class CacheError extends S3dbError {}
/** The cache driver base: `get`/`set`/`del`/`clear` check the key and call the driver's `_get`/`_set`/`_del`/`_clear`. */
export declare class Cache extends EventEmitter {
  constructor(config?: Record<string, any>);
  config: Record<string, any>;
  validateKey(key: unknown): void;
  get(key: string): Promise<any>;
  set<V>(key: string, value: V): Promise<V>;
  del(key: string): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  clear(prefix?: string): Promise<unknown>;
  keys(): Promise<string[]>;
  size(): Promise<number>;
}
export declare class MemoryCache extends Cache {
  /** `ttl` in ms (default 300000); `maxMemoryBytes` and `maxMemoryPercent` (0..1) exclude each other. */
  constructor(options?: { ttl?: number; maxSize?: number; maxMemoryBytes?: number; maxMemoryPercent?: number; enableCompression?: boolean; compressionThreshold?: number });
  ttl: number;
  maxSize: number;
  maxMemoryBytes: number;
  getMemoryStats(): { currentMemoryBytes: number; maxMemoryBytes: number; maxMemoryPercent: number; memoryUsagePercent: number; totalItems: number; evictedDueToMemory: number; averageItemSize: number; memoryUsage: { current: string; max: string; available: string }; [field: string]: any };
  getCompressionStats(): Record<string, any>;
}
export declare class S3Cache extends Cache {
  /** Entries under `plugin=cache/<keyPrefix>/` of the client's store; `ttl` in ms. */
  constructor(options: { client: StoreClient; keyPrefix?: string; ttl?: number; prefix?: string; enableCompression?: boolean; compressionThreshold?: number });
  client: StoreClient;
  keyPrefix: string;
  ttl: number;
}
export interface FilesystemCacheOptions {
  directory: string; prefix?: string; ttl?: number; enableCompression?: boolean; compressionThreshold?: number; createDirectory?: boolean;
  fileExtension?: string; maxFileSize?: number; enableStats?: boolean; enableCleanup?: boolean; cleanupInterval?: number;
}
export declare class FilesystemCache extends Cache {
  constructor(options: FilesystemCacheOptions);
  directory: string;
  ttl: number;
  getStats(): { hits: number; misses: number; sets: number; deletes: number; clears: number; errors: number; directory: string; ttl: number; compression: boolean };
  destroy(): void;
}
export declare class PartitionAwareFilesystemCache extends FilesystemCache {
  constructor(options: FilesystemCacheOptions & { partitionStrategy?: 'hierarchical' | 'flat' | 'temporal'; trackUsage?: boolean; preloadRelated?: boolean; preloadThreshold?: number; maxCacheSize?: string | number | null; usageStatsFile?: string });
  partitionUsage: Map<string, { count: number; lastAccess: number; firstAccess?: number }>;
  clearPartition(resource: string, partition: string, partitionValues?: Record<string, unknown>): Promise<boolean>;
  clearResourcePartitions(resource: string): Promise<boolean>;
  getPartitionStats(resource: string, partition?: string | null): Promise<{ totalFiles: number; totalSize: number; partitions: Record<string, { files: number; size: number }>; usage: Record<string, any> }>;
  getCacheRecommendations(resource: string): Promise<Array<{ partition: string; recommendation: 'preload' | 'keep' | 'reduce_ttl' | 'archive'; priority: number; usage: number; lastAccess: string }>>;
}
export interface CacheKeyOptions {
  action?: string;
  params?: Record<string, unknown>;
  partition?: string;
  partitionValues?: Record<string, unknown>;
}
export interface CachePluginOptions {
  /** 's3' (default): the database's own store. */
  driver?: 'memory' | 's3' | 'filesystem' | Cache;
  /** Milliseconds, for every driver. */
  ttl?: number;
  maxSize?: number;
  maxMemoryBytes?: number;
  maxMemoryPercent?: number;
  /** Options of the driver (`directory` for the filesystem ones). */
  config?: Record<string, any>;
  partitionAware?: boolean;
  partitionStrategy?: 'hierarchical' | 'flat' | 'temporal';
  include?: string[] | null;
  exclude?: string[];
  verbose?: boolean;
}
export declare class CachePlugin extends Plugin {
  constructor(options?: CachePluginOptions);
  driver: Cache;
  generateCacheKey(resource: Resource<any>, action: string, params?: Record<string, unknown>, partition?: string | null, partitionValues?: Record<string, unknown> | null): Promise<string>;
  clearCacheForResource(resource: Resource<any>, data?: { id?: string }): Promise<void>;
  clearAllCache(): Promise<void>;
  warmCache(resourceName: string, options?: { includePartitions?: boolean; sampleSize?: number }): Promise<Record<string, any>>;
  getCacheStats(): Promise<{ size: number; keys: string[]; driver: string; stats: Record<string, any> } | null>;
  getStats(): Record<string, any>;
  resetStats(): void;
  analyzeCacheUsage(): Promise<Record<string, any>>;
}

export interface CostsData {
  total: number;
  requests: {
    prices: Record<'put' | 'copy' | 'list' | 'post' | 'get' | 'select' | 'delete' | 'head', number>;
    total: number;
    counts: Record<'put' | 'copy' | 'list' | 'post' | 'get' | 'select' | 'delete' | 'head', number>;
    totalEvents: number;
    events: Record<'PutObjectCommand' | 'GetObjectCommand' | 'CopyObjectCommand' | 'HeadObjectCommand' | 'DeleteObjectCommand' | 'DeleteObjectsCommand' | 'ListObjectsV2Command', number>;
    subtotal: number;
  };
  storage: { totalBytes: number; totalGB: number; subtotal: number; [field: string]: unknown };
  dataTransfer: { inBytes: number; outBytes: number; subtotal: number; [field: string]: unknown };
}
export declare class CostsPlugin extends Plugin {
  constructor(options?: { considerFreeTier?: boolean; region?: string });
  /** Computed from the client's request counters on each read. */
  readonly costs: CostsData;
  requestCounts(): Record<string, number>;
  reset(): void;
}

export interface AuditLog {
  id: string;
  resourceName: string;
  operation: 'insert' | 'update' | 'delete' | 'deleteMany' | string;
  recordId: string;
  userId: string;
  timestamp: string;
  createdAt: string;
  oldData?: string;
  newData?: string;
  partition?: string;
  partitionValues?: string;
  metadata?: string;
}
export interface AuditQuery {
  resourceName?: string;
  operation?: string;
  recordId?: string;
  partition?: string;
  startDate?: string | Date;
  endDate?: string | Date;
  limit?: number;
  offset?: number;
}
/** Writes a `plg_audits` record for every insert, update, delete and deleteMany. */
export declare class AuditPlugin extends Plugin {
  constructor(options?: { includeData?: boolean; includePartitions?: boolean; maxDataSize?: number });
  auditResource: Resource | null;
  getAuditLogs(query?: AuditQuery): Promise<AuditLog[]>;
  getRecordHistory(resourceName: string, recordId: string): Promise<AuditLog[]>;
  getPartitionHistory(resourceName: string, partitionName: string, partitionValues?: Record<string, unknown>): Promise<AuditLog[]>;
  getAuditStats(query?: AuditQuery): Promise<{
    total: number;
    byOperation: Record<string, number>;
    byResource: Record<string, number>;
    byPartition: Record<string, number>;
    byUser: Record<string, number>;
    timeline: Record<string, number>;
  }>;
  cleanupOldAudits(retentionDays?: number): Promise<number>;
  logAudit(entry: { resourceName: string; operation: string; recordId: string; oldData?: string | null; newData?: string | null; partition?: string | null; partitionValues?: string | null }): Promise<void>;
  truncateData<T extends object>(data: T): T | (T & { _truncated: true; _originalSize: number; _truncatedAt: string }) | null;
}

export interface OperationCounters { count: number; totalTime: number; errors: number }
/** Times every resource operation; Prometheus text on `/metrics`; flushes into `plg_metrics*`. */
export declare class MetricsPlugin extends Plugin {
  constructor(options?: {
    collectPerformance?: boolean;
    collectErrors?: boolean;
    collectUsage?: boolean;
    retentionDays?: number;
    flushInterval?: number;
    prometheus?: { enabled?: boolean; mode?: 'auto' | 'integrated' | 'standalone'; port?: number; host?: string; path?: string; includeResourceLabels?: boolean };
  });
  metrics: {
    operations: Record<string, OperationCounters>;
    resources: Record<string, Record<string, OperationCounters>>;
    errors: Array<{ resourceName: string; operation: string; error: string; stack?: string; timestamp: string }>;
    performance: Array<{ resourceName: string; operation: string; duration: number; timestamp: string }>;
    startTime: string;
  };
  metricsServer: import('node:http').Server | null;
  recordOperation(resourceName: string, operation: string, duration: number, isError: boolean): void;
  recordError(resourceName: string, operation: string, error: Error): void;
  flushMetrics(): Promise<void>;
  resetMetrics(): void;
  getMetrics(filter?: { type?: string; resourceName?: string; operation?: string; startDate?: string; endDate?: string; limit?: number; offset?: number }): Promise<Record<string, any>[]>;
  getErrorLogs(filter?: { resourceName?: string; operation?: string; startDate?: string; endDate?: string; limit?: number; offset?: number }): Promise<Record<string, any>[]>;
  getPerformanceLogs(filter?: { resourceName?: string; operation?: string; startDate?: string; endDate?: string; limit?: number; offset?: number }): Promise<Record<string, any>[]>;
  getStats(): Promise<Record<string, any>>;
  cleanupOldData(): Promise<void>;
  getPrometheusMetrics(): Promise<string>;
}

export interface TTLResourceConfig {
  /** Seconds after `field` (default `_createdAt`, the indexing time) at which a record expires. */
  ttl?: number;
  /** A timestamp field: the expiry itself without `ttl`, the start of the TTL with it. */
  field?: string;
  onExpire: 'soft-delete' | 'hard-delete' | 'archive' | 'callback';
  deleteField?: string;
  archiveResource?: string;
  keepOriginalId?: boolean;
  callback?: (record: Record<string, any>, resource: Resource) => boolean | Promise<boolean>;
}
/** Expires records through an expiration index partitioned by time cohort. */
export declare class TTLPlugin extends Plugin {
  constructor(config?: { resources?: Record<string, TTLResourceConfig>; batchSize?: number; verbose?: boolean });
  expirationIndex: Resource | null;
  runCleanup(): Promise<void>;
  cleanupResource(name: string): Promise<{ resource: string; granularity: 'minute' | 'hour' | 'day' | 'week' }>;
  getStats(): {
    totalScans: number; totalExpired: number; totalDeleted: number; totalArchived: number; totalSoftDeleted: number;
    totalCallbacks: number; totalErrors: number; lastScanAt: string | null; lastScanDuration: number;
    resources: number; isRunning: boolean; intervals: number;
  };
}

export type BackupDriverName = 'filesystem' | 's3' | 'multi';
export interface BackupDestination { driver: BackupDriverName; config?: Record<string, any> }
export interface BackupPluginOptions {
  driver?: BackupDriverName;
  /** filesystem: `{path}` (`{date}`, `{time}`, `{year}`, `{month}`, `{day}`, `{type}` expand); s3: `{path, bucket?, client?}`; multi: `{destinations, strategy: 'all' | 'any' | 'priority'}`. */
  config?: Record<string, any>;
  /** Cron expression per backup type, e.g. `{ full: '0 2 * * *', incremental: '0 * * * *' }`. */
  schedule?: Record<string, string>;
  retention?: { daily?: number; weekly?: number; monthly?: number; yearly?: number };
  compression?: 'none' | 'gzip' | 'brotli' | 'deflate';
  encryption?: { algorithm: 'AES-256-GCM' | string; key: string } | null;
  verification?: boolean;
  include?: string[] | null;
  exclude?: string[];
  backupMetadataResource?: string;
  tempDir?: string;
  verbose?: boolean;
  onBackupStart?: (type: string, context: { backupId: string }) => unknown;
  onBackupComplete?: (type: string, result: BackupResult) => unknown;
  onBackupError?: (type: string, context: { backupId: string; error: Error }) => unknown;
  onRestoreStart?: (backupId: string, options: { overwrite: boolean; resources?: string[] }) => unknown;
  onRestoreComplete?: (backupId: string, result: RestoreResult) => unknown;
  onRestoreError?: (backupId: string, context: { error: Error }) => unknown;
}
export interface BackupResult {
  id: string; type: string; size: number; duration: number; checksum: string; resources: string[]; timestamp: number;
  driverInfo: Record<string, any> | Array<Record<string, any> & { status: 'success' | 'failed' }>;
}
export interface BackupRecord {
  id: string; type: string; timestamp: number; resources: string[]; driverInfo: any; size: number; compressed: boolean;
  encrypted: boolean; checksum: string | null; status: 'in_progress' | 'completed' | 'failed'; error: string | null; duration: number; createdAt: string;
}
export interface RestoreResult { backupId: string; restored: string[]; recordsRestored: number; errors: unknown[] }
export declare class BaseBackupDriver {
  constructor(config?: Record<string, any>);
  config: Record<string, any>;
  setup(database: Database): Promise<void>;
  upload(sourceDir: string, backupId: string, manifest: Record<string, any>): Promise<any>;
  download(backupId: string, targetDir: string, metadata?: Record<string, any>): Promise<string>;
  delete(backupId: string, metadata?: Record<string, any>): Promise<void>;
  list(options?: { limit?: number; prefix?: string }): Promise<Array<Record<string, any>>>;
  getType(): string;
  getStorageInfo(): Record<string, any>;
  cleanup(): Promise<void>;
}
export declare class FilesystemBackupDriver extends BaseBackupDriver {}
export declare class S3BackupDriver extends BaseBackupDriver {}
export declare class MultiBackupDriver extends BaseBackupDriver {}
export declare const BACKUP_DRIVERS: { filesystem: typeof FilesystemBackupDriver; s3: typeof S3BackupDriver; multi: typeof MultiBackupDriver };
export declare function createBackupDriver(driver: BackupDriverName, config?: Record<string, any>): BaseBackupDriver;
export declare function validateBackupConfig(driver: string, config?: Record<string, any>): true;
/** Full and incremental backups in the MemoryClient backup layout, through a driver, with retention and restore. */
export declare class BackupPlugin extends Plugin {
  constructor(options?: BackupPluginOptions);
  driver: BaseBackupDriver;
  activeBackups: Set<string>;
  backup(type?: 'full' | 'incremental' | string, options?: { resources?: string[] }): Promise<BackupResult>;
  restore(backupId: string, options?: { overwrite?: boolean; resources?: string[] }): Promise<RestoreResult>;
  listBackups(options?: { limit?: number; type?: string; status?: string }): Promise<BackupRecord[]>;
  getBackupStatus(backupId: string): Promise<BackupRecord | null>;
  /** When each scheduled backup type runs next. */
  nextScheduledRuns(): Record<string, Date | null>;
}

export type ReplicatorDriverName = 's3db' | 'sqs' | 'webhook' | 'postgres' | 'mysql' | 'mariadb' | 'planetscale' | 'turso' | 'bigquery' | 'dynamodb' | 'mongodb';
export interface ReplicatorConfig {
  driver: ReplicatorDriverName;
  /** Which resources, and where each goes: names, `{source: destination}`, or per-resource objects (`{table, actions, transform}`…). */
  resources: string[] | Record<string, any>;
  config?: Record<string, any>;
  /** s3db: the target Database; sqs: an SQSClient. */
  client?: any;
  id?: string;
  [option: string]: any;
}
export interface ReplicatorPluginOptions {
  replicators: ReplicatorConfig[];
  persistReplicatorLog?: boolean;
  replicatorLogResource?: string;
  logErrors?: boolean;
  enabled?: boolean;
  batchSize?: number;
  maxRetries?: number;
  /** First backoff delay in ms (doubles on each retry); default 500. */
  retryDelay?: number;
  timeout?: number;
  verbose?: boolean;
}
export declare class BaseReplicator extends EventEmitter {
  constructor(config?: Record<string, any>, resources?: any, client?: any);
  config: Record<string, any>;
  name: string;
  enabled: boolean;
  id?: string;
  driver?: string;
  database?: Database;
  initialize(database: Database): Promise<void>;
  replicate(resourceName: string, operation: 'insert' | 'update' | 'delete', data: Record<string, any>, id: string, beforeData?: Record<string, any> | null): Promise<any>;
  replicateBatch(resourceName: string, records: Array<{ id: string; operation: 'insert' | 'update' | 'delete'; data: Record<string, any>; beforeData?: Record<string, any> }>): Promise<any>;
  testConnection(): Promise<boolean>;
  getStatus(): Promise<Record<string, any>> | Record<string, any>;
  validateConfig(): { isValid: boolean; errors: string[] };
  shouldReplicateResource(resourceName: string, operation?: string): boolean;
  cleanup(): Promise<void>;
  stop(): Promise<void>;
}
export declare class S3dbReplicator extends BaseReplicator {}
export declare class SqsReplicator extends BaseReplicator {}
export declare class WebhookReplicator extends BaseReplicator {}
export declare class PostgresReplicator extends BaseReplicator {}
export declare class MySQLReplicator extends BaseReplicator {}
export declare class PlanetScaleReplicator extends BaseReplicator {}
export declare class TursoReplicator extends BaseReplicator {}
export declare class BigqueryReplicator extends BaseReplicator {}
export declare class DynamoDBReplicator extends BaseReplicator {}
export declare class MongoDBReplicator extends BaseReplicator {}
export declare const REPLICATOR_DRIVERS: Record<ReplicatorDriverName, typeof BaseReplicator>;
export declare function createReplicator(driver: ReplicatorDriverName, config?: Record<string, any>, resources?: any, client?: any): BaseReplicator;
export declare function validateReplicatorConfig(driver: ReplicatorDriverName, config?: Record<string, any>, resources?: any, client?: any): { isValid: boolean; errors: string[] };
/** Hands every insert, update and delete to replicators (another s3db, webhooks, queues, SQL and document databases). */
export declare class ReplicatorPlugin extends Plugin {
  constructor(options: ReplicatorPluginOptions);
  replicators: BaseReplicator[];
  stats: { totalReplications: number; totalErrors: number; lastSync: string | null };
  replicatorLog: Resource | null;
  syncAllData(replicatorId: string): Promise<void>;
  retryFailedReplicators(): Promise<{ retried: number }>;
  getReplicatorStats(): Promise<{ replicators: Array<{ id: string; driver: string; config: any; status: any }>; stats: ReplicatorPlugin['stats']; lastSync: string | null }>;
  getReplicatorLogs(options?: { resourceName?: string; operation?: string; status?: string; limit?: number; offset?: number }): Promise<any[]>;
}

export declare class QueueError extends S3dbError {}
export interface ConsumerDefinition {
  driver: 'sqs' | 'rabbitmq';
  /** sqs: `{region, endpoint, credentials, poolingInterval, waitTimeSeconds, maxMessages}`; rabbitmq: `{amqpUrl, prefetch, reconnectInterval}`. */
  config?: Record<string, any>;
  consumers: Array<{ resources: string | string[]; queueUrl?: string; queue?: string; [option: string]: any }>;
}
export declare class SqsConsumer {
  constructor(config: { queueUrl: string; onMessage: (message: { $body: any; $attributes: Record<string, string>; $raw: any }) => unknown; onError?: (error: Error, raw?: any) => void; poolingInterval?: number; maxMessages?: number; waitTimeSeconds?: number; region?: string; credentials?: any; endpoint?: string; client?: any });
  start(): Promise<void>;
  stop(): Promise<void>;
}
export declare class RabbitMqConsumer {
  constructor(config: { amqpUrl: string; queue: string; onMessage: (message: { $body: any; $raw: any }) => unknown; onError?: (error: Error, raw?: any) => void; prefetch?: number; reconnectInterval?: number });
  start(): Promise<void>;
  stop(): Promise<void>;
}
export declare const CONSUMER_DRIVERS: { sqs: typeof SqsConsumer; rabbitmq: typeof RabbitMqConsumer };
export declare function createConsumer(driver: 'sqs' | 'rabbitmq', config: Record<string, any>): SqsConsumer | RabbitMqConsumer;
/** Applies queue messages `{resource, action, data}` as inserts, updates and deletes. */
export declare class QueueConsumerPlugin extends Plugin {
  constructor(options: { consumers: ConsumerDefinition[] });
  consumers: Array<SqsConsumer | RabbitMqConsumer>;
  stats: { processed: number; failed: number };
}

export interface ImportResult { processed: number; inserted: number; skipped: number; errors: number; duplicates: number; duration: number }
/** Streams JSON, JSON Lines or CSV (optionally gzip) into a resource. */
export declare class ImporterPlugin extends Plugin {
  constructor(config: {
    resource: string; format?: 'json' | 'jsonl' | 'ndjson' | 'csv' | 'tsv'; mapping?: Record<string, string>;
    transforms?: Record<string, (value: any, record: Record<string, any>) => any>; validate?: (record: Record<string, any>) => boolean;
    deduplicateBy?: string; batchSize?: number; parallelism?: number; continueOnError?: boolean;
  });
  import(filePath: string, options?: { format?: 'json' | 'jsonl' | 'ndjson' | 'csv' | 'tsv' }): Promise<ImportResult>;
  getStats(): { totalProcessed: number; totalInserted: number; totalSkipped: number; totalErrors: number; totalDuplicates: number; startTime: number | null; endTime: number | null; recordsPerSecond: number };
}
export declare const Transformers: {
  parseDate(format?: string): (value: any) => number;
  parseFloat(decimals?: number): (value: any) => number;
  parseInt(): (value: any) => number;
  toLowerCase(): (value: any) => string;
  toUpperCase(): (value: any) => string;
  split(delimiter?: string): (value: any) => string[];
  parseJSON(): (value: any) => any;
  trim(): (value: any) => string;
};

export declare class S3db extends Database {}
export default S3db;

export interface StoreClientOptions {
  bucket?: string;
  keyPrefix?: string;
  region?: string;
  verbose?: boolean;
  parallelism?: number;
  id?: string;
}

export interface MemoryClientOptions extends StoreClientOptions {
  enforceLimits?: boolean;
  metadataLimit?: number;
  maxObjectSize?: number;
  persistPath?: string;
  autoPersist?: boolean;
}

export interface FileSystemClientOptions extends StoreClientOptions {
  basePath?: string;
  /** fsync every write (slower; survives power loss). */
  fsync?: boolean;
}

export interface ObjectResponse {
  Metadata: Record<string, string>;
  ContentType: string | null;
  ContentLength: number;
  LastModified: Date;
  ETag: string;
}

export interface BackupOptions {
  compress?: boolean;
  database?: Database;
  resources?: string[];
}

export interface BackupManifest {
  version: string;
  timestamp: string;
  bucket: string;
  keyPrefix: string;
  compressed: boolean;
  resources: Record<string, { schema: Record<string, unknown>; stats: { recordCount: number; fileSize: number } }>;
  totalRecords: number;
  totalSize: number;
}

/** The low-level client API of the embedded stores (keys relative to `keyPrefix`). */
/** One S3 request as the executor pool's events report it. */
export interface PoolTask {
  id: string;
  command: string;
  key: string;
  /** `execution`: ms from when the request was asked (queueing included), once it ended. */
  timings: { execution?: number };
}

export declare class StoreClient extends EventEmitter {
  readonly id: string;
  readonly bucket: string;
  readonly keyPrefix: string;
  putObject(params: { key: string; metadata?: Record<string, string>; body?: Buffer | Uint8Array | string; contentType?: string; ifNoneMatch?: '*'; ifMatch?: string }): Promise<{ ETag: string }>;
  getObject(key: string): Promise<ObjectResponse & { Body: Readable & { transformToByteArray(): Promise<Uint8Array>; transformToString(encoding?: string): Promise<string>; buffer: Buffer } }>;
  headObject(key: string): Promise<ObjectResponse>;
  copyObject(params: { from: string; to: string; metadata?: Record<string, string>; metadataDirective?: 'COPY' | 'REPLACE'; contentType?: string }): Promise<unknown>;
  exists(key: string): Promise<boolean>;
  deleteObject(key: string): Promise<unknown>;
  deleteObjects(keys: string[]): Promise<{ Deleted: Array<{ Key: string }>; Errors: unknown[] }>;
  listObjects(params?: { prefix?: string; maxKeys?: number; continuationToken?: string; delimiter?: string }): Promise<{ Contents: Array<{ Key: string }>; KeyCount: number; IsTruncated: boolean; NextContinuationToken: string | null; CommonPrefixes?: Array<{ Prefix: string }> }>;
  getKeysPage(params?: { prefix?: string; offset?: number; amount?: number }): Promise<string[]>;
  getContinuationTokenAfterOffset(params?: { prefix?: string; offset?: number }): Promise<string | null>;
  moveObject(params: { from: string; to: string }): Promise<true>;
  moveAllObjects(params: { prefixFrom: string; prefixTo: string }): Promise<string[]>;
  /** Runs an AWS SDK command object (Put/Get/Head/Copy/Delete/DeleteObjects/ListObjectsV2). */
  sendCommand(command: { input: Record<string, unknown> }): Promise<unknown>;
  getAllKeys(params?: { prefix?: string }): Promise<string[]>;
  count(params?: { prefix?: string }): Promise<number>;
  deleteAll(params?: { prefix?: string }): Promise<number>;
  clear(): Promise<void>;
  /** Requests answered so far, by S3 command name (`PutObjectCommand`, `GetObjectCommand`, …). */
  getRequestCounts(): Record<string, number>;
  getTransferCounts(): { uploaded: number; downloaded: number };
  /** The S3 request scheduler (`executorPool`); local stores report `concurrency: null`. */
  getQueueStats(): QueueStats;
  /** Latencies of the last 1 024 S3 requests, or `null`. */
  getAggregateMetrics(): RequestLatencies | null;
  getConcurrency(): number | null;
  /** S3 clients only: how many requests may be in flight (1–1000). */
  setConcurrency(concurrency: number): void;
  /** Holds back S3 requests that have not started; resolves once running ones end (`null` on local stores). */
  pausePool(): Promise<void | null>;
  resumePool(): void | null;
  /** Resolves once no S3 request runs or waits to start (`null` on local stores). */
  drainPool(): Promise<void | null>;
  /** Refuses S3 requests that have not started, now and later, with `PoolStoppedError`. */
  stopPool(): void;
  on(event: 'pool:taskStarted', listener: (task: PoolTask) => void): this;
  on(event: 'pool:taskCompleted', listener: (task: PoolTask, result: unknown) => void): this;
  /** A failed S3 request sent again; `attempt` counts from 1. */
  on(event: 'pool:taskRetry', listener: (task: PoolTask, attempt: number) => void): this;
  on(event: 'pool:taskError' | 'pool:taskFailed', listener: (task: PoolTask, error: Error) => void): this;
  on(event: 'pool:paused' | 'pool:resumed' | 'pool:drained' | 'pool:stopped', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  /** Computed from the request counts until something (CostsPlugin) assigns its own object. */
  costs: Costs;
  exportBackup(outputDir: string, options?: BackupOptions): Promise<BackupManifest>;
  importBackup(backupDir: string, options?: BackupOptions & { clear?: boolean }): Promise<{ resourcesImported: number; recordsImported: number; errors: unknown[] }>;
}

export interface MemorySnapshot {
  timestamp: string;
  bucket: string;
  keyPrefix: string;
  objectCount: number;
  /** Plain JSON, built when first read; `restore()` accepts it back. */
  objects: Record<string, { metadata: Record<string, string>; contentType: string | null; contentLength: number; lastModified: number; etag: string; body: string }>;
}

export declare class MemoryClient extends StoreClient {
  constructor(options?: MemoryClientOptions);
  readonly objectCount: number;
  getAllStoredKeys(): string[];
  snapshot(): MemorySnapshot;
  restore(snapshot: MemorySnapshot | { objects: MemorySnapshot['objects'] }): void;
  saveToDisk(path?: string): Promise<string>;
  loadFromDisk(path?: string): Promise<{ objectCount: number; path: string }>;
  /** Saves to `persistPath` now if anything changed. */
  flush(): boolean;
  getStats(): { objectCount: number; totalSize: number; totalSizeFormatted: string; keys: string[]; bucket: string };
}

export declare class FileSystemClient extends StoreClient {
  constructor(options?: FileSystemClientOptions);
  readonly basePath: string;
}

/** Requests by S3 command and their estimated price (s3db.js 12.4 CostsPlugin shape). */
export interface Costs {
  total: number;
  prices: Record<'put' | 'copy' | 'list' | 'post' | 'get' | 'select' | 'delete' | 'head', number>;
  totalRequests: number;
  requests: Record<'total' | 'put' | 'post' | 'copy' | 'list' | 'get' | 'select' | 'delete' | 'head', number>;
  totalEvents: number;
  events: Record<string, number>;
}

export interface S3ClientOptions extends S3Tunables {
  connectionString: string | ConnectionString;
  parallelism?: number | string;
  verbose?: boolean;
  id?: string;
}

/** A bucket on AWS S3 or an S3-compatible server; requests are made by the native engine. */
/** An S3 bucket (AWS or S3-compatible), with the same low-level client API and backups as the embedded stores. */
export declare class S3Client extends StoreClient {
  constructor(options: S3ClientOptions);
  readonly parallelism: number;
  /** The parsed connection string; `secretAccessKey` is readable but never printed. */
  readonly config: ConnectionString;
}
export { S3Client as Client };

export declare class ConnectionString {
  constructor(connectionString: string);
  protocol: string;
  bucket: string;
  keyPrefix: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  /** URL-decoded; not enumerable, so printing and JSON never show it. */
  readonly secretAccessKey?: string;
  forcePathStyle?: boolean;
  [param: string]: unknown;
}

export declare const S3_DEFAULT_REGION: string;
export declare const S3_DEFAULT_ENDPOINT: string;
export declare const AVAILABLE_BEHAVIORS: Behavior[];
export declare const DEFAULT_BEHAVIOR: 'user-managed';

export interface ValidationIssue {
  type: string;
  message: string;
  field: string;
  actual?: unknown;
  expected?: unknown;
}

export declare class BaseError extends Error {
  constructor(fields: { message: string; [detail: string]: unknown });
  code?: string;
  statusCode?: number;
  thrownAt: Date;
  description?: string;
  [detail: string]: unknown;
  toJson(): Record<string, unknown>;
}
export declare class S3dbError extends BaseError {
  constructor(message: string, details?: Record<string, unknown>);
}
export declare class DatabaseError extends S3dbError {}
export declare class ValidationError extends S3dbError {}
export declare class InvalidResourceItem extends ValidationError {
  errors: ValidationIssue[];
  validation: ValidationIssue[];
}
export declare class AuthenticationError extends S3dbError {}
export declare class PermissionError extends S3dbError {}
export declare class EncryptionError extends S3dbError {}
export declare class CryptoError extends S3dbError {}
export declare class SchemaError extends S3dbError {}
export declare class ResourceError extends S3dbError {}
export declare class PartitionError extends S3dbError {}
export declare class PluginError extends S3dbError {}
export declare class PluginStorageError extends S3dbError {}
export declare class TaskTimeoutError extends S3dbError {}
export declare class PoolStoppedError extends S3dbError {}
export declare class ReplicationError extends S3dbError {
  replicatorClass: string;
  operation: string;
  resourceName?: string;
}
export declare class BackupError extends S3dbError {
  driver: string;
  operation: string;
  backupId?: string;
}
export declare class PartitionDriverError extends S3dbError {}
export declare class BehaviorError extends S3dbError {}
export declare class StreamError extends S3dbError {}
export declare class MetadataLimitError extends S3dbError {}
export declare class AnalyticsNotEnabledError extends S3dbError {}
export declare class ConnectionStringError extends S3dbError {}
export declare class UnknownError extends S3dbError {}
export declare class ResourceNotFound extends S3dbError {
  constructor(details: { bucket: string; resourceName: string; id: string; [detail: string]: unknown });
}
export declare class NoSuchBucket extends S3dbError {
  constructor(details: { bucket: string; [detail: string]: unknown });
}
export declare class NoSuchKey extends S3dbError {
  constructor(details: { bucket: string; key: string; id?: string; resourceName?: string; [detail: string]: unknown });
}
export declare class NotFound extends S3dbError {
  constructor(details: { bucket: string; key: string; [detail: string]: unknown });
}
export declare class MissingMetadata extends S3dbError {
  constructor(details: { bucket: string; [detail: string]: unknown });
}
export declare const ErrorMap: Record<string, typeof BaseError>;
export declare function mapAwsError(error: unknown, context?: Record<string, unknown>): BaseError;

// ---- Schema, Validator, helpers

export declare class Schema {
  constructor(config: { name?: string; attributes?: AttributesDefinition; passphrase?: string; version?: string | number; options?: Record<string, unknown>; map?: Record<string, string>; pluginMap?: Record<string, string> });
  name: string;
  attributes: AttributesDefinition;
  version: string | number;
  passphrase: string;
  map: Record<string, string>;
  reversedMap: Record<string, string>;
  pluginMap: Record<string, string>;
  options: { autoEncrypt: boolean; autoDecrypt: boolean; arraySeparator: string; generateAutoHooks: boolean; hooks: Record<'beforeMap' | 'afterMap' | 'beforeUnmap' | 'afterUnmap', Record<string, unknown[]>>; [option: string]: unknown };
  validate(data: Record<string, unknown>, options?: { mutateOriginal?: boolean }): Promise<true | ValidationIssue[]>;
  mapper(data: Record<string, unknown>): Promise<Record<string, unknown>>;
  unmapper(mapped: Record<string, unknown>, mapOverride?: Record<string, string>): Promise<Record<string, unknown>>;
  addHook(hook: 'beforeMap' | 'afterMap' | 'beforeUnmap' | 'afterUnmap', attribute: string, action: string, params?: Record<string, unknown>): void;
  extractObjectKeys(attributes: AttributesDefinition, prefix?: string): string[];
  getAttributeDefinition(path: string): AttributeDefinition | undefined;
  defaultOptions(): Schema['options'];
  export(): Record<string, unknown>;
  static import(data: string | Record<string, unknown>): Schema;
}

export declare class Validator {
  constructor(options?: { passphrase?: string; autoEncrypt?: boolean; options?: Record<string, unknown> });
  compile(schema: AttributesDefinition): (data: Record<string, unknown>) => Promise<true | ValidationIssue[]>;
  validate(data: Record<string, unknown>, schema: AttributesDefinition): Promise<true | ValidationIssue[]>;
}

export interface BehaviorInfo { name: Behavior; description: string }
export declare const behaviors: Record<Behavior, BehaviorInfo>;
export declare function getBehavior(name: string): BehaviorInfo;

export declare function encode(n: number): string;
export declare function decode(s: string): number;
export declare function encodeDecimal(n: number): string;
export declare function decodeDecimal(s: string): number;
export declare function encodeFixedPoint(n: number, precision?: number): string;
export declare function decodeFixedPoint(s: string, precision?: number): number;
export declare function encodeFixedPointBatch(values: number[], precision?: number): string;
export declare function decodeFixedPointBatch(s: string, precision?: number): number[];
export declare function encrypt(content: string, passphrase: string): Promise<string>;
export declare function decrypt(encryptedBase64: string, passphrase: string): Promise<string>;
export declare function sha256(message: string | Uint8Array): Promise<string>;
export declare function md5(data: string | Uint8Array): Promise<string>;
export declare function idGenerator(size?: number): string;
export declare function passwordGenerator(size?: number): string;
export declare function calculateUTF8Bytes(text: unknown): number;
export declare function clearUTF8Memory(): void;
export declare function calculateAttributeNamesSize(mapped: Record<string, unknown>): number;
export declare function calculateAttributeSizes(mapped: Record<string, unknown>): Record<string, number>;
export declare function transformValue(value: unknown): string;
export declare function calculateTotalSize(mapped: Record<string, unknown>): number;
export declare function getSizeBreakdown(mapped: Record<string, unknown>): { total: number; valueSizes: Record<string, number>; namesSize: number; valueTotal: number; breakdown: Array<{ attribute: string; size: number; percentage: string }>; detailedBreakdown: { values: number; names: number; total: number } };
export declare function calculateSystemOverhead(config?: { version?: string; timestamps?: boolean; id?: string }): number;
export declare function calculateEffectiveLimit(config?: { s3Limit?: number; systemConfig?: { version?: string; timestamps?: boolean; id?: string } }): number;
export declare function tryFn<T>(fn: () => Promise<T>): Promise<[boolean, unknown, T | undefined]>;
export declare function tryFn<T>(fn: () => T): [boolean, unknown, T | undefined];
export declare function tryFn<T>(promise: Promise<T>): Promise<[boolean, unknown, T | undefined]>;
export declare function tryFnSync<T>(fn: () => T): [boolean, unknown, T | null];
export declare function generateTypes(database: Database, options?: { outputPath?: string | null; moduleName?: string; includeResource?: boolean }): Promise<string>;
export declare function printTypes(database: Database, options?: { moduleName?: string; includeResource?: boolean }): Promise<string>;

export declare class MemoryStorage {
  constructor(config?: MemoryClientOptions);
  put(key: string, params?: { body?: Buffer | string; metadata?: Record<string, string>; contentType?: string; ifMatch?: string }): Promise<{ ETag: string; VersionId: null; ServerSideEncryption: null; Location: string }>;
  get(key: string): Promise<ObjectResponse & { Body: Readable }>;
  head(key: string): Promise<ObjectResponse>;
  copy(from: string, to: string, params?: { metadata?: Record<string, string>; metadataDirective?: 'COPY' | 'REPLACE'; contentType?: string }): Promise<{ CopyObjectResult: { ETag: string; LastModified: string } }>;
  exists(key: string): boolean;
  delete(key: string): Promise<{ DeleteMarker: false; VersionId: null }>;
  deleteMultiple(keys: string[]): Promise<{ Deleted: Array<{ Key: string }>; Errors: unknown[] }>;
  list(params?: { prefix?: string; delimiter?: string | null; maxKeys?: number; continuationToken?: string | null }): Promise<unknown>;
  snapshot(): MemorySnapshot;
  restore(snapshot: MemorySnapshot): void;
  saveToDisk(path?: string): Promise<string>;
  loadFromDisk(path?: string): Promise<{ objectCount: number; path: string }>;
  getStats(): ReturnType<MemoryClient['getStats']>;
  clear(): Promise<void>;
}

export type FactoryDefinition = Record<string, unknown> | ((context: { seq: number; factory: Factory }) => Record<string, unknown> | Promise<Record<string, unknown>>);
export declare class Factory {
  static define(resourceName: string, definition: FactoryDefinition, options?: Record<string, unknown>): Factory;
  static setDatabase(database: Database): void;
  static get(resourceName: string): Factory | undefined;
  static resetSequences(): void;
  static reset(): void;
  readonly resourceName: string;
  sequence(name?: string): number;
  trait(name: string, attributes: FactoryDefinition): this;
  afterCreate(callback: (record: any, context: { database: Database }) => unknown): this;
  beforeCreate(callback: (attributes: Record<string, unknown>) => unknown): this;
  build(overrides?: Record<string, unknown>, options?: { traits?: string[] }): Promise<Record<string, unknown>>;
  create(overrides?: Record<string, unknown>, options?: { traits?: string[]; database?: Database }): Promise<any>;
  createMany(count: number, overrides?: Record<string, unknown>, options?: { traits?: string[]; database?: Database }): Promise<any[]>;
  buildMany(count: number, overrides?: Record<string, unknown>, options?: { traits?: string[] }): Promise<Record<string, unknown>[]>;
  createWithTraits(traits: string | string[], overrides?: Record<string, unknown>, options?: { database?: Database }): Promise<any>;
  buildWithTraits(traits: string | string[], overrides?: Record<string, unknown>): Promise<Record<string, unknown>>;
}
export declare class Seeder {
  constructor(database: Database, options?: { verbose?: boolean });
  seed(specs: Record<string, number>): Promise<Record<string, any[]>>;
  seedAndReturn(specs: Record<string, number>): Promise<Record<string, any[]>>;
  call<R>(callback: (database: Database) => R | Promise<R>): Promise<R>;
  truncate(resourceNames: string[]): Promise<void>;
  truncateAll(): Promise<void>;
  run(seeders: Array<(database: Database) => unknown>): Promise<unknown[]>;
  reset(): Promise<void>;
}
