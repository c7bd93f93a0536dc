'use strict';
// The five behaviors by name, as s3db.js exports them. How each one splits a record between
// metadata and body is the engine's (`behavior.rs`); these objects name and describe them.

const { BehaviorError } = require('./errors.cjs');

const DESCRIPTIONS = {
  'user-managed': 'Writes whatever fits in metadata and the rest to the body, and emits exceedsLimit when a record is over 2 KB.',
  'enforce-limits': 'Rejects a record whose metadata would exceed 2 KB.',
  'truncate-data': 'Cuts the last fields down until the metadata fits in 2 KB.',
  'body-overflow': 'Keeps the smallest fields in metadata and moves the rest to the body.',
  'body-only': 'Stores every field in the body; metadata holds only the version.',
};

const behaviors = Object.freeze(Object.fromEntries(
  Object.entries(DESCRIPTIONS).map(([name, description]) => [name, Object.freeze({ name, description })]),
));

const AVAILABLE_BEHAVIORS = Object.keys(behaviors);
const DEFAULT_BEHAVIOR = 'user-managed';

function getBehavior(name) {
  const behavior = Object.prototype.hasOwnProperty.call(behaviors, name) ? behaviors[name] : undefined;
  if (!behavior) {
    throw new BehaviorError(`Unknown behavior: ${name}`, { behavior: name, availableBehaviors: AVAILABLE_BEHAVIORS, operation: 'getBehavior' });
  }
  return behavior;
}

module.exports = { behaviors, getBehavior, AVAILABLE_BEHAVIORS, DEFAULT_BEHAVIOR };
