// S3-compatible servers for the tests and the bench: moto started on a free local port, and small
// misbehaving HTTP servers (throttling, refusing credentials, never answering) for error tests.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import net from 'node:net';

/** A TCP port nobody listens on right now. */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The command that runs moto's server: `MOTO_SERVER`, else `python3 -m moto.server`. */
function motoCommand() {
  if (process.env.MOTO_SERVER) return [process.env.MOTO_SERVER, []];
  return [process.env.PYTHON || 'python3', ['-m', 'moto.server']];
}

/** Starts moto_server on 127.0.0.1; resolves once it answers. `stop()` ends it. */
export async function startMoto({ timeoutMs = 60_000 } = {}) {
  const port = await freePort();
  const [command, args] = motoCommand();
  const child = spawn(command, [...args, '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => { log = (log + chunk).slice(-4000); });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', (error) => { log += `\n${error.message}`; });
  // Whatever ends this process (a failed bench, a crashed run) ends moto too.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  exited.then(() => process.off('exit', killOnExit));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await Promise.race([exited.then((code) => ({ code })), fetch(`${endpoint}/`).then(() => 'up', () => 'down')]);
    if (state === 'up') break;
    if (typeof state === 'object' || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `moto_server did not start (${command} ${args.join(' ')}): install it with  python3 -m pip install 'moto[server]'  `
        + `or run only the memory tests with S3DB_TEST_TARGETS=memory\n${log}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    endpoint,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    },
  };
}

/** Creates a bucket on a server that does not check signatures (moto). */
export async function createBucket(endpoint, bucket) {
  const response = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
  if (!response.ok && response.status !== 409) {
    throw new Error(`creating bucket ${bucket} at ${endpoint} failed: HTTP ${response.status} ${await response.text()}`);
  }
}

const xmlError = (code, message) => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fake</RequestId></Error>`;

/**
 * A local HTTP server that plays a misbehaving (or a minimal) S3:
 * `ok`        PUT 200, DELETE 204, GET/HEAD 404 NoSuchKey (after `delayMs`)
 * `flaky`     503 SlowDown to the first `failures` requests, then like `ok`
 * `throttle`  503 SlowDown to everything
 * `deny`      403 InvalidAccessKeyId to everything
 * `nobucket`  404 NoSuchBucket to everything
 * `hang`      never answers
 * `state` counts requests and TCP connections, the most requests in flight at once, and keeps
 * the last request's headers.
 */
export async function startFakeS3(mode, { failures = 2, delayMs = 0 } = {}) {
  const state = { requests: 0, connections: 0, inFlight: 0, maxInFlight: 0, headers: null };
  const sockets = new Set();
  const server = createServer(async (request, response) => {
    state.requests += 1;
    state.headers = request.headers;
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    request.resume();
    if (mode === 'hang') return;
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    state.inFlight -= 1;
    const send = (status, body, headers = {}) => {
      response.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'fake', ...headers });
      response.end(request.method === 'HEAD' || body === undefined ? undefined : body);
    };
    if (mode === 'deny') return send(403, xmlError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'));
    if (mode === 'nobucket') return send(404, xmlError('NoSuchBucket', 'The specified bucket does not exist'));
    if (mode === 'throttle' || (mode === 'flaky' && state.requests <= failures)) {
      return send(503, xmlError('SlowDown', 'Please reduce your request rate.'));
    }
    if (request.method === 'PUT') return send(200, undefined, { etag: '"0123456789abcdef0123456789abcdef"' });
    if (request.method === 'DELETE') return send(204);
    return send(404, xmlError('NoSuchKey', 'The specified key does not exist.'));
  });
  server.on('connection', (socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    state,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
