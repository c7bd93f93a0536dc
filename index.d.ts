// Type definitions for s3db-native: the s3db.js 12.4 API.
import { EventEmitter } from 'node:events';

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
export type Hooks = Partial<Record<
  | 'beforeInsert' | 'afterInsert' | 'beforeUpdate' | 'afterUpdate' | 'beforeDelete' | 'afterDelete'
  | 'beforeGet' | 'afterGet' | 'beforeList' | 'afterList' | 'beforeQuery' | 'afterQuery'
  | 'beforeReplace' | 'afterReplace' | 'preInsert' | 'preUpdate' | 'preDelete',
  HookFunction[]>>;

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
  asyncPartitions?: boolean;
  idGenerator?: number | ((data?: unknown) => string);
  idSize?: number;
  passphrase?: string;
  hooks?: Hooks;
  events?: Record<string, ((...args: any[]) => void) | Array<(...args: any[]) => void>>;
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

export interface DatabaseOptions extends S3Tunables {
  /**
   * `s3://KEY:SECRET@bucket/prefix?region=…`, `s3://bucket/prefix` (default AWS credential chain),
   * `http(s)://KEY:SECRET@host:port/bucket/prefix` (S3-compatible, path style) or `memory://bucket/prefix`.
   */
  connectionString?: string;
  /** Old spelling of `connectionString`. */
  uri?: string;
  client?: MemoryClient | S3Client;
  /** Used instead of a connection string: with `endpoint` a path-style URL, with keys an s3:// one. */
  bucket?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  passphrase?: string;
  parallelism?: number | string;
  verbose?: boolean;
  versioningEnabled?: boolean;
  persistHooks?: boolean;
  strictValidation?: boolean;
  cache?: unknown;
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

export declare class Resource<T extends object = Record<string, any>> extends EventEmitter {
  readonly name: string;
  readonly version: string;
  readonly attributes: AttributesDefinition;
  readonly behavior: Behavior;
  readonly schema: SchemaInfo;
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
  update(id: string, attributes: Partial<T> & Record<string, unknown>): Promise<Stored<T>>;
  patch(id: string, fields: Partial<T> & Record<string, unknown>): Promise<Stored<T>>;
  replace(id: string, data: Partial<T>): Promise<Stored<T>>;
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
  addHook(name: string, fn: HookFunction): void;
  executeHooks(name: string, data: unknown): Promise<unknown>;
  getResourceKey(id: string): string;
  getDefinitionHash(): string;
  export(): Record<string, unknown>;
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
  readonly client: MemoryClient | S3Client;
  resources: Record<string, Resource<any>>;
  savedMetadata: Record<string, any> | null;
  readonly config: { version: string; s3dbVersion: string; bucket: string; keyPrefix: string; parallelism: number; verbose: boolean };
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  createResource<T extends object = Record<string, any>>(config: ResourceConfig): Promise<Resource<T>>;
  createResourceIfNotExists<T extends object = Record<string, any>>(config: ResourceConfig): Promise<Resource<T>>;
  resourceExists(name: string): boolean;
  resource<T extends object = Record<string, any>>(name: string): Resource<T> | undefined;
  getResource<T extends object = Record<string, any>>(name: string): Promise<Resource<T>>;
  listResources(): Promise<Array<{ name: string }>>;
}

export declare class S3db extends Database {}
export default S3db;

export interface MemoryClientOptions {
  bucket?: string;
  keyPrefix?: string;
  region?: string;
  verbose?: boolean;
  parallelism?: number;
  id?: string;
}

export declare class MemoryClient extends EventEmitter {
  constructor(options?: MemoryClientOptions);
  readonly id: string;
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly objectCount: number;
  getAllStoredKeys(): string[];
  /** Requests answered so far, by S3 command name (`PutObjectCommand`, `GetObjectCommand`, …). */
  getRequestCounts(): Record<string, number>;
  /** Computed from the request counts until something (CostsPlugin) assigns its own object. */
  costs: Costs;
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
export declare class S3Client extends EventEmitter {
  constructor(options: S3ClientOptions);
  readonly id: string;
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly parallelism: number;
  /** The parsed connection string; `secretAccessKey` is readable but never printed. */
  readonly config: ConnectionString;
  /** Requests sent so far, by S3 command name (`PutObjectCommand`, `GetObjectCommand`, …). */
  getRequestCounts(): Record<string, number>;
  /** Computed from the request counts until something (CostsPlugin) assigns its own object. */
  costs: Costs;
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
  code: string;
  statusCode?: number;
  thrownAt: Date;
  [detail: string]: unknown;
  toJson(): Record<string, unknown>;
}
export declare class S3dbError extends BaseError {}
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
export declare class PartitionDriverError extends S3dbError {}
export declare class BehaviorError extends S3dbError {}
export declare class StreamError extends S3dbError {}
export declare class MetadataLimitError extends S3dbError {}
export declare class AnalyticsNotEnabledError extends S3dbError {}
export declare class ConnectionStringError extends S3dbError {}
export declare class UnknownError extends S3dbError {}
export declare class ResourceNotFound extends S3dbError {}
export declare class NoSuchBucket extends S3dbError {}
export declare class NoSuchKey extends S3dbError {}
export declare class NotFound extends S3dbError {}
export declare class MissingMetadata extends S3dbError {}
export declare const ErrorMap: Record<string, typeof BaseError>;
export declare function mapAwsError(error: unknown, context?: Record<string, unknown>): BaseError;
