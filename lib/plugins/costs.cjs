'use strict';
// CostsPlugin: S3 requests by command and their estimated price. The counts come from the
// client's own request counters (`client.getRequestCounts()`), so they are the requests actually
// sent, including bulk and streaming paths that never cross into JavaScript per request.

const { Plugin } = require('./plugin.cjs');

// One price table for the whole package (lib/costs.cjs): S3 command → price class, USD per request.
const { METHOD_OF_COMMAND: COMMAND_METHODS, PRICES: REQUEST_PRICES } = require('../costs.cjs');

const STORAGE_TIERS = [
  { limit: 50 * 1024, pricePerGB: 0.023 },
  { limit: 500 * 1024, pricePerGB: 0.022 },
  { limit: 999999999, pricePerGB: 0.021 },
];
const TRANSFER_TIERS = [
  { limit: 10 * 1024, pricePerGB: 0.09 },
  { limit: 50 * 1024, pricePerGB: 0.085 },
  { limit: 150 * 1024, pricePerGB: 0.07 },
  { limit: 999999999, pricePerGB: 0.05 },
];

const zeroCounts = (keys) => Object.fromEntries(keys.map((key) => [key, 0]));

class CostsPlugin extends Plugin {
  constructor(options = {}) {
    super(options);
    const config = options && typeof options.createResource !== 'function' ? options : {};
    this.config = { considerFreeTier: Boolean(config.considerFreeTier), region: config.region || 'us-east-1' };
    this.map = { ...COMMAND_METHODS };
    this.client = null;
    this._baseline = {};
    this._observedCounts = null;
  }

  async onInstall() {
    this.client = this.database.client;
    if (typeof this.client.getRequestCounts === 'function') {
      this._baseline = this.client.getRequestCounts();
    } else {
      // A client without counters: count the `command.response` events it emits instead.
      this._observedCounts = {};
      this.client.on('command.response', (command) => {
        this._observedCounts[command] = (this._observedCounts[command] || 0) + 1;
      });
    }
    const plugin = this;
    Object.defineProperty(this.client, 'costs', {
      configurable: true,
      enumerable: true,
      get() {
        return plugin.costs;
      },
    });
  }

  async onUninstall() {
    if (this.client) delete this.client.costs;
  }

  /** Requests sent through the database's client since the plugin was installed, by S3 command. */
  requestCounts() {
    if (!this.client) return {};
    if (this._observedCounts) return { ...this._observedCounts };
    const now = this.client.getRequestCounts();
    return Object.fromEntries(Object.entries(now).map(([command, count]) => [command, count - (this._baseline[command] || 0)]));
  }

  /** Starts counting from zero again. */
  reset() {
    if (this._observedCounts) this._observedCounts = {};
    else if (this.client) this._baseline = this.client.getRequestCounts();
  }

  /** `{total, requests: {prices, total, counts, totalEvents, events, subtotal}, storage, dataTransfer}`. */
  get costs() {
    const events = zeroCounts(Object.keys(COMMAND_METHODS));
    const counts = zeroCounts(Object.keys(REQUEST_PRICES));
    let total = 0;
    let subtotal = 0;
    for (const [command, count] of Object.entries(this.requestCounts())) {
      const method = COMMAND_METHODS[command];
      if (!method || count <= 0) continue;
      events[command] += count;
      counts[method] += count;
      total += count;
      subtotal += count * REQUEST_PRICES[method];
    }
    return {
      total: subtotal,
      requests: { prices: { ...REQUEST_PRICES }, total, counts, totalEvents: total, events, subtotal },
      // Object sizes are not counted by this build's clients; the fields keep s3db.js's shape.
      storage: { totalBytes: 0, totalGB: 0, tiers: STORAGE_TIERS.map((t) => ({ ...t })), currentTier: 0, subtotal: 0 },
      dataTransfer: {
        inBytes: 0, inGB: 0, inCost: 0, outBytes: 0, outGB: 0,
        tiers: TRANSFER_TIERS.map((t) => ({ ...t })), freeTierGB: 100, freeTierUsed: 0, currentTier: 0, subtotal: 0,
      },
    };
  }
}

module.exports = { CostsPlugin, COMMAND_METHODS, REQUEST_PRICES };
