// An HTTP proxy on 127.0.0.1 in front of an S3 server that injects the failures a real network
// and a busy server produce: throttling (503 SlowDown), server errors (500), connections reset
// before the request reaches the server or after the server applied it, stalls longer than the
// client's timeout, and response bodies cut off half way.
import http from 'node:http';

export const FAULTS = ['slowdown', 'internal', 'resetBefore', 'resetAfter', 'stall', 'cutBody'];

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed with its seed. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function s3Error(res, status, code, message) {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Starts the proxy to `target` (`http://127.0.0.1:port`). `rate` is the share of requests that
 * get a fault (`settings.rate` changes it later); `stallMs` how long a stalled request hangs
 * before its connection drops. Resolves with `{endpoint, settings, stats, close()}`; `stats`
 * counts requests and each fault injected.
 */
export async function startFaultProxy(target, { rate = 0.1, seed = 1, stallMs = 1500 } = {}) {
  const settings = { rate };
  const upstream = new URL(target);
  const next = random(seed);
  const stats = { requests: 0, faults: Object.fromEntries(FAULTS.map((f) => [f, 0])) };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const forward = (req, body) => new Promise((resolve, reject) => {
    const out = http.request({
      host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent,
    }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      stats.requests += 1;
      const fault = next() < settings.rate ? FAULTS[Math.floor(next() * FAULTS.length)] : null;
      if (fault) stats.faults[fault] += 1;
      if (fault === 'slowdown') return s3Error(res, 503, 'SlowDown', 'Please reduce your request rate.');
      if (fault === 'internal') return s3Error(res, 500, 'InternalError', 'We encountered an internal error. Please try again.');
      if (fault === 'resetBefore') return req.socket.destroy();
      if (fault === 'stall') return setTimeout(() => req.socket.destroy(), stallMs);
      let answer;
      try {
        answer = await forward(req, Buffer.concat(chunks));
      } catch {
        return req.socket.destroy();
      }
      if (fault === 'resetAfter') return req.socket.destroy();
      if (fault === 'cutBody' && answer.body.length > 1) {
        res.writeHead(answer.status, answer.headers);
        res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
        return setTimeout(() => req.socket.destroy(), 5);
      }
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  return {
    endpoint,
    settings,
    stats,
    close: () => new Promise((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}
