// ESM entry: the same objects as the CommonJS entry.
import cjs from './index.cjs';

export const {
  S3db, Database, Resource, MemoryClient, FileSystemClient, S3Client, Client, ConnectionString, S3_DEFAULT_REGION, S3_DEFAULT_ENDPOINT,
  Schema, Validator, behaviors, getBehavior, AVAILABLE_BEHAVIORS, DEFAULT_BEHAVIOR,
  encode, decode, encodeDecimal, decodeDecimal, encodeFixedPoint, decodeFixedPoint, encodeFixedPointBatch,
  decodeFixedPointBatch, encrypt, decrypt, sha256, md5, idGenerator, passwordGenerator, calculateUTF8Bytes,
  clearUTF8Memory, calculateAttributeNamesSize, calculateAttributeSizes, transformValue, calculateTotalSize,
  getSizeBreakdown, calculateSystemOverhead, calculateEffectiveLimit, tryFn, tryFnSync,
  MemoryStorage, generateTypes, printTypes, Factory, Seeder, ResourceReader, ResourceWriter, ResourceIdsReader,
  ResourceIdsPageReader, streamToString, Plugin, PluginObject, CachePlugin, CostsPlugin, AuditPlugin, MetricsPlugin, TTLPlugin, PluginStorage, Cache, MemoryCache,
  BackupPlugin, BaseBackupDriver, FilesystemBackupDriver, S3BackupDriver, MultiBackupDriver, BACKUP_DRIVERS,
  createBackupDriver, validateBackupConfig, ImporterPlugin, Transformers, QueueConsumerPlugin, SqsConsumer, RabbitMqConsumer, createConsumer, CONSUMER_DRIVERS,
  ReplicatorPlugin, REPLICATOR_DRIVERS, createReplicator, validateReplicatorConfig, BaseReplicator, S3dbReplicator,
  SqsReplicator, BigqueryReplicator, PostgresReplicator, MySQLReplicator, PlanetScaleReplicator, TursoReplicator, DynamoDBReplicator, MongoDBReplicator, WebhookReplicator,
  S3Cache, FilesystemCache, PartitionAwareFilesystemCache, ErrorMap, fromNative, mapAwsError,
  BaseError, S3dbError, DatabaseError, ValidationError, AuthenticationError, PermissionError,
  EncryptionError, CryptoError, SchemaError, ResourceError, PartitionError, PluginError,
  PluginStorageError, BackupError, ReplicationError, CacheError, QueueError, PartitionDriverError, BehaviorError, StreamError, MetadataLimitError,
  AnalyticsNotEnabledError, ConnectionStringError, UnknownError, ResourceNotFound, NoSuchBucket,
  NoSuchKey, NotFound, MissingMetadata, InvalidResourceItem, TasksPool, TasksRunner, TaskTimeoutError, PoolStoppedError,
} = cjs;
export default S3db;
