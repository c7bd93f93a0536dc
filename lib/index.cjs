'use strict';
// s3db-native: a drop-in replacement for s3db.js backed by a Rust engine.

const { Database, S3db } = require('./database.cjs');
const { Resource } = require('./resource.cjs');
const { MemoryClient, MemoryStorage } = require('./memory-client.cjs');
const { Factory, Seeder } = require('./testing.cjs');
const { generateTypes, printTypes } = require('./typescript.cjs');
const { FileSystemClient } = require('./filesystem-client.cjs');
const { S3Client } = require('./s3-client.cjs');
const { ConnectionString, S3_DEFAULT_REGION, S3_DEFAULT_ENDPOINT } = require('./connection-string.cjs');
const errors = require('./errors.cjs');
const streams = require('./streams.cjs');
const { Plugin, PluginObject } = require('./plugins/plugin.cjs');
const { CachePlugin, Cache, MemoryCache, S3Cache, FilesystemCache, PartitionAwareFilesystemCache } = require('./plugins/cache/index.cjs');
const { CostsPlugin } = require('./plugins/costs.cjs');
const { AuditPlugin } = require('./plugins/audit.cjs');
const { MetricsPlugin } = require('./plugins/metrics.cjs');
const { TTLPlugin } = require('./plugins/ttl.cjs');
const backup = require('./plugins/backup/index.cjs');
const replicator = require('./plugins/replicator/index.cjs');
const queueConsumer = require('./plugins/queue-consumer/index.cjs');
const { ImporterPlugin, Transformers } = require('./plugins/importer.cjs');
const { PluginStorage } = require('./plugins/storage.cjs');
const { TasksPool, TasksRunner, TaskTimeoutError, PoolStoppedError } = require('./tasks.cjs');

const helpers = require('./helpers.cjs');
const { Schema } = require('./schema.cjs');
const { Validator } = require('./validator.cjs');
const { behaviors, getBehavior, AVAILABLE_BEHAVIORS, DEFAULT_BEHAVIOR } = require('./behaviors.cjs');

module.exports = {
  TasksPool,
  TasksRunner,
  TaskTimeoutError,
  PoolStoppedError,
  S3db,
  Database,
  Resource,
  Schema,
  Validator,
  MemoryClient,
  MemoryStorage,
  FileSystemClient,
  S3Client,
  Client: S3Client,
  ConnectionString,
  S3_DEFAULT_REGION,
  S3_DEFAULT_ENDPOINT,
  behaviors,
  getBehavior,
  AVAILABLE_BEHAVIORS,
  DEFAULT_BEHAVIOR,
  ...helpers,
  generateTypes,
  printTypes,
  Factory,
  Seeder,
  ResourceReader: streams.ResourceReader,
  ResourceWriter: streams.ResourceWriter,
  ResourceIdsReader: streams.ResourceIdsReader,
  ResourceIdsPageReader: streams.ResourceIdsPageReader,
  streamToString: streams.streamToString,
  Plugin,
  PluginObject,
  CachePlugin,
  CostsPlugin,
  AuditPlugin,
  MetricsPlugin,
  TTLPlugin,
  BackupPlugin: backup.BackupPlugin,
  BaseBackupDriver: backup.BaseBackupDriver,
  FilesystemBackupDriver: backup.FilesystemBackupDriver,
  S3BackupDriver: backup.S3BackupDriver,
  MultiBackupDriver: backup.MultiBackupDriver,
  BACKUP_DRIVERS: backup.BACKUP_DRIVERS,
  createBackupDriver: backup.createBackupDriver,
  validateBackupConfig: backup.validateBackupConfig,
  ReplicatorPlugin: replicator.ReplicatorPlugin,
  ImporterPlugin,
  Transformers,
  QueueConsumerPlugin: queueConsumer.QueueConsumerPlugin,
  SqsConsumer: queueConsumer.SqsConsumer,
  RabbitMqConsumer: queueConsumer.RabbitMqConsumer,
  createConsumer: queueConsumer.createConsumer,
  CONSUMER_DRIVERS: queueConsumer.CONSUMER_DRIVERS,
  REPLICATOR_DRIVERS: replicator.REPLICATOR_DRIVERS,
  createReplicator: replicator.createReplicator,
  validateReplicatorConfig: replicator.validateReplicatorConfig,
  BaseReplicator: replicator.BaseReplicator,
  S3dbReplicator: replicator.S3dbReplicator,
  SqsReplicator: replicator.SqsReplicator,
  BigqueryReplicator: replicator.BigqueryReplicator,
  PostgresReplicator: replicator.PostgresReplicator,
  MySQLReplicator: replicator.MySQLReplicator,
  PlanetScaleReplicator: replicator.PlanetScaleReplicator,
  TursoReplicator: replicator.TursoReplicator,
  DynamoDBReplicator: replicator.DynamoDBReplicator,
  MongoDBReplicator: replicator.MongoDBReplicator,
  WebhookReplicator: replicator.WebhookReplicator,
  PluginStorage,
  Cache,
  MemoryCache,
  S3Cache,
  FilesystemCache,
  PartitionAwareFilesystemCache,
  ...errors,
  default: S3db,
};
