'use strict';
// CostsPlugin: S3 requests by command and their estimated price. The counts come from the
// client's own request counters (`client.getRequestCounts()`), so they are the requests actually
// sent, including bulk and streaming paths that never cross into JavaScript per request. Storage
// and data transfer are priced by S3's tiers from the bytes the client's requests carried
// (`client.getTransferCounts()`: uploads count as stored and transferred in, downloads as
// transferred out), plus whatever `trackStorage` / `trackDataTransferIn` / `trackDataTransferOut` add.

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
const GB = 1024 ** 3;

/** The price of `gb` across `tiers` (`limit` in GB, cumulative), and the tier it ends in. */
function tieredCost(gb, tiers) {
  let cost = 0;
  let remaining = gb;
  let tier = 0;
  for (let i = 0; i < tiers.length && remaining > 0; i += 1) {
    const capacity = tiers[i].limit - (i > 0 ? tiers[i - 1].limit : 0);
    const inTier = Math.min(remaining, capacity);
    cost += inTier * tiers[i].pricePerGB;
    remaining -= inTier;
    tier = i;
  }
  return { cost, tier };
}

class CostsPlugin extends Plugin {
  constructor(options = {}) {
    super(options);
    const config = options && typeof options.createResource !== 'function' ? options : {};
    this.config = { considerFreeTier: Boolean(config.considerFreeTier), region: config.region || 'us-east-1' };
    this.map = { ...COMMAND_METHODS };
    this.client = null;
    this._baseline = {};
    this._transferBaseline = { uploaded: 0, downloaded: 0 };
    this._tracked = { stored: 0, uploaded: 0, downloaded: 0 };
    this._observedCounts = null;
  }

  async onInstall() {
    if (!this.database || !this.database.client) return;
    this.client = this.database.client;
    if (typeof this.client.getTransferCounts === 'function') this._transferBaseline = this.client.getTransferCounts();
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
    if (this.client && typeof this.client.getTransferCounts === 'function') this._transferBaseline = this.client.getTransferCounts();
    this._tracked = { stored: 0, uploaded: 0, downloaded: 0 };
  }

  /** Bytes moved since install (or reset): the client's own counts plus the tracked ones. */
  transferredBytes() {
    const now = this.client && typeof this.client.getTransferCounts === 'function' ? this.client.getTransferCounts() : this._transferBaseline;
    const uploaded = now.uploaded - this._transferBaseline.uploaded;
    return {
      stored: uploaded + this._tracked.stored,
      uploaded: uploaded + this._tracked.uploaded,
      downloaded: now.downloaded - this._transferBaseline.downloaded + this._tracked.downloaded,
    };
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
    const bytes = this.transferredBytes();
    const storage = { totalBytes: bytes.stored, totalGB: bytes.stored / GB, tiers: STORAGE_TIERS.map((t) => ({ ...t })), currentTier: 0, subtotal: 0 };
    storage.subtotal = this.calculateStorageCost(storage);
    const dataTransfer = {
      inBytes: bytes.uploaded, inGB: bytes.uploaded / GB, inCost: 0, outBytes: bytes.downloaded, outGB: bytes.downloaded / GB,
      tiers: TRANSFER_TIERS.map((t) => ({ ...t })), freeTierGB: 100, freeTierUsed: 0, currentTier: 0, subtotal: 0,
    };
    dataTransfer.subtotal = this.calculateDataTransferCost(dataTransfer);
    return {
      total: subtotal + storage.subtotal + dataTransfer.subtotal,
      requests: { prices: { ...REQUEST_PRICES }, total, counts, totalEvents: total, events, subtotal },
      storage,
      dataTransfer,
    };
  }

  /** Adds stored bytes to the estimate (besides the uploads the client counted). */
  trackStorage(bytes) {
    this._tracked.stored += bytes;
  }

  /** Adds uploaded bytes (transfer into S3 is free). */
  trackDataTransferIn(bytes) {
    this._tracked.uploaded += bytes;
  }

  /** Adds downloaded bytes, priced by S3's transfer-out tiers (after the free 100 GB with `considerFreeTier`). */
  trackDataTransferOut(bytes) {
    this._tracked.downloaded += bytes;
  }

  calculateStorageCost(storage) {
    const { cost, tier } = tieredCost(storage.totalGB, storage.tiers);
    storage.currentTier = tier;
    return cost;
  }

  calculateDataTransferCost(transfer) {
    let billable = transfer.outGB;
    if (this.config.considerFreeTier) {
      transfer.freeTierUsed = Math.min(billable, transfer.freeTierGB);
      billable -= transfer.freeTierUsed;
    }
    const { cost, tier } = tieredCost(billable, transfer.tiers);
    transfer.currentTier = tier;
    return cost;
  }

  /** Totals are computed on every read of `costs`; kept for s3db.js callers. */
  updateTotal() {
    return this.costs.total;
  }
}

module.exports = { CostsPlugin, COMMAND_METHODS, REQUEST_PRICES };
