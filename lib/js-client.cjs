'use strict';
// Any client object with s3db.js's client interface (`putObject`, `getObject`, `headObject`,
// `listObjects`, `deleteObject`, `deleteObjects`, `copyObject`, `config`): test doubles, wrappers
// and instrumented clients. The engine's requests reach it through one dispatcher (see
// `src/js_store.rs`); the client applies its own key prefix and metadata encoding, as s3db.js's
// clients do.

const { native } = require('./native.cjs');

const isMissing = (error) => Boolean(error) && (
  ['NoSuchKey', 'NotFound', 'NoSuchKeyError'].includes(error.name)
  || ['NoSuchKey', 'NotFound'].includes(error.code || error.Code)
  || error.statusCode === 404 || (error.$metadata && error.$metadata.httpStatusCode === 404));

const isPreconditionFailure = (error) => Boolean(error) && (
  error.code === 'PreconditionFailed' || error.name === 'PreconditionFailed' || error.statusCode === 412
  || (error.$metadata && error.$metadata.httpStatusCode === 412) || /precondition failed/i.test(String(error.message)));

async function bodyBytes(body) {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === 'string') return Buffer.from(body);
  if (typeof body.transformToByteArray === 'function') return Buffer.from(await body.transformToByteArray());
  if (typeof body[Symbol.asyncIterator] === 'function') {
    const chunks = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  return Buffer.from(String(body));
}

/** The engine's view of an object from a client's GetObject/HeadObject answer. */
async function answerOf(response, withBody) {
  const lastModified = response.LastModified ? new Date(response.LastModified).getTime() : 0;
  const answer = {
    metadata: response.Metadata || {},
    contentType: response.ContentType ?? null,
    contentLength: Number(response.ContentLength || 0),
    lastModified: Number.isFinite(lastModified) ? lastModified : 0,
    etag: response.ETag || '',
  };
  if (withBody) answer.body = (await bodyBytes(response.Body)).toString('base64');
  return answer;
}

/** How `client` answers each engine request. */
function requestHandlers(client) {
  const prefix = String((client.config && client.config.keyPrefix) || client.keyPrefix || '').replace(/^\/+|\/+$/g, '');
  const relative = (key) => (prefix && key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : key);
  const head = async (key) => {
    try {
      return await client.headObject(key);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  };
  return {
    async put({ key, metadata, body, contentType, ifAbsent, ifMatch }) {
      // A client may not support conditions: they are checked here as well (best effort).
      if (ifAbsent && await head(key)) return {};
      if (ifMatch) {
        const current = await head(key);
        if (!current || String(current.ETag).replace(/"/g, '') !== String(ifMatch).replace(/"/g, '')) return {};
      }
      try {
        const response = await client.putObject({
          key, metadata: Object.fromEntries(metadata), body: Buffer.from(body, 'base64'), contentType: contentType || undefined,
          ifMatch: ifMatch || undefined, ifNoneMatch: ifAbsent ? '*' : undefined,
        });
        return { etag: (response && response.ETag) || '""' };
      } catch (error) {
        if ((ifAbsent || ifMatch) && isPreconditionFailure(error)) return {};
        throw error;
      }
    },
    async get({ key }) {
      try {
        return await answerOf(await client.getObject(key), true);
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async head({ key }) {
      const response = await head(key);
      return response ? answerOf(response, false) : null;
    },
    async copy({ from, to, metadata, contentType }) {
      if (!(await head(from))) return { copied: false };
      await client.copyObject({
        from, to, metadata: metadata ? Object.fromEntries(metadata) : undefined,
        metadataDirective: metadata ? 'REPLACE' : 'COPY', contentType: contentType || undefined,
      });
      return { copied: true };
    },
    async delete({ key }) {
      try {
        await client.deleteObject(key);
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
      return {};
    },
    async deleteMany({ keys }) {
      const response = await client.deleteObjects(keys);
      const deleted = response && Array.isArray(response.Deleted) ? response.Deleted.length : keys.length;
      return { deleted };
    },
    async list({ prefix: listPrefix, token, maxKeys }) {
      const response = await client.listObjects({ prefix: listPrefix, maxKeys, continuationToken: token || undefined });
      const keys = ((response && response.Contents) || []).map((entry) => relative(entry.Key));
      return { keys, next: response && response.IsTruncated ? response.NextContinuationToken || null : null };
    },
  };
}

/** The native store of a client object that is not one of ours. */
function storeForClient(client) {
  const handlers = requestHandlers(client);
  return native.NativeStore.fromJs(async (requestJson) => {
    const { op, ...request } = JSON.parse(requestJson);
    const handler = handlers[op];
    if (!handler) throw new Error(`unknown storage request '${op}'`);
    return JSON.stringify(await handler(request));
  });
}

/** True when `client` has the methods the engine needs. */
function hasClientInterface(client) {
  return Boolean(client) && ['putObject', 'getObject', 'headObject', 'listObjects', 'deleteObject', 'deleteObjects']
    .every((method) => typeof client[method] === 'function');
}

module.exports = { storeForClient, hasClientInterface };
