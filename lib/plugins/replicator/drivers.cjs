'use strict';
// The replicator drivers by name, and the factory ReplicatorPlugin uses.

const { BaseReplicator } = require('./base.cjs');
const { S3dbReplicator } = require('./s3db.cjs');
const { SqsReplicator } = require('./sqs.cjs');
const { WebhookReplicator } = require('./webhook.cjs');
const { PostgresReplicator } = require('./postgres.cjs');
const { MySQLReplicator } = require('./mysql.cjs');
const { PlanetScaleReplicator } = require('./planetscale.cjs');
const { TursoReplicator } = require('./turso.cjs');
const { BigqueryReplicator } = require('./bigquery.cjs');
const { DynamoDBReplicator } = require('./dynamodb.cjs');
const { MongoDBReplicator } = require('./mongodb.cjs');
const { ReplicationError } = require('../../errors.cjs');

const REPLICATOR_DRIVERS = {
  s3db: S3dbReplicator,
  sqs: SqsReplicator,
  bigquery: BigqueryReplicator,
  postgres: PostgresReplicator,
  mysql: MySQLReplicator,
  mariadb: MySQLReplicator,
  planetscale: PlanetScaleReplicator,
  turso: TursoReplicator,
  dynamodb: DynamoDBReplicator,
  mongodb: MongoDBReplicator,
  webhook: WebhookReplicator,
};

function createReplicator(driver, config = {}, resources = [], client = null) {
  const Replicator = REPLICATOR_DRIVERS[driver];
  if (!Replicator) {
    throw new ReplicationError(`Unknown replicator driver: ${driver}`, {
      operation: 'createReplicator', driver, availableDrivers: Object.keys(REPLICATOR_DRIVERS),
      suggestion: `Use one of: ${Object.keys(REPLICATOR_DRIVERS).join(', ')}`,
    });
  }
  return new Replicator(config, resources, client);
}

/** `{isValid, errors}` of a driver's configuration, without connecting. */
function validateReplicatorConfig(driver, config, resources = [], client = null) {
  return createReplicator(driver, config, resources, client).validateConfig();
}

module.exports = {
  REPLICATOR_DRIVERS, createReplicator, validateReplicatorConfig, BaseReplicator, S3dbReplicator, SqsReplicator, WebhookReplicator,
  PostgresReplicator, MySQLReplicator, PlanetScaleReplicator, TursoReplicator, BigqueryReplicator, DynamoDBReplicator, MongoDBReplicator,
};
