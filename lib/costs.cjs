'use strict';
// `client.costs`: requests by S3 command and their estimated price, in the shape of s3db.js 12.4's
// CostsPlugin (`{total, prices, totalRequests, requests, totalEvents, events}`), computed from the
// native request counters every client keeps (`client.getRequestCounts()`).

/** USD per request, the price table of s3db.js's CostsPlugin (S3 Standard list prices). */
const PRICES = Object.freeze({
  put: 0.005 / 1000,
  copy: 0.005 / 1000,
  list: 0.005 / 1000,
  post: 0.005 / 1000,
  get: 0.0004 / 1000,
  select: 0.0004 / 1000,
  delete: 0.0004 / 1000,
  head: 0.0004 / 1000,
});

const METHOD_OF_COMMAND = Object.freeze({
  PutObjectCommand: 'put',
  GetObjectCommand: 'get',
  HeadObjectCommand: 'head',
  CopyObjectCommand: 'copy',
  DeleteObjectCommand: 'delete',
  DeleteObjectsCommand: 'delete',
  ListObjectsV2Command: 'list',
});

/** The costs report for `{PutObjectCommand: n, …}`. */
function costsFromCounts(counts) {
  const requests = { total: 0, put: 0, post: 0, copy: 0, list: 0, get: 0, select: 0, delete: 0, head: 0 };
  const events = { total: 0 };
  let total = 0;
  for (const [command, count] of Object.entries(counts)) {
    events[command] = count;
    const method = METHOD_OF_COMMAND[command];
    if (!method) continue;
    events.total += count;
    requests[method] += count;
    requests.total += count;
    total += count * PRICES[method];
  }
  return { total, prices: { ...PRICES }, totalRequests: requests.total, requests, totalEvents: events.total, events };
}

/**
 * Gives a client class `costs`: computed from `getRequestCounts()` on each read, until something
 * (s3db.js's CostsPlugin does) assigns its own object, which then stays.
 */
function installCosts(ClientClass) {
  Object.defineProperty(ClientClass.prototype, 'costs', {
    configurable: true,
    get() {
      return costsFromCounts(this.getRequestCounts());
    },
    set(value) {
      Object.defineProperty(this, 'costs', { value, writable: true, enumerable: true, configurable: true });
    },
  });
}

module.exports = { PRICES, METHOD_OF_COMMAND, costsFromCounts, installCosts };
