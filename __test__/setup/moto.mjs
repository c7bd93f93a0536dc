// vitest globalSetup of the `moto` project: starts moto_server on a free local port, creates the
// test bucket and hands its connection string to the tests (`inject('s3Url')`).
import { startMoto, createBucket } from './servers.mjs';

export const TEST_BUCKET = 's3db-tests';

export default async function setup(project) {
  const moto = await startMoto();
  await createBucket(moto.endpoint, TEST_BUCKET);
  // moto does not check signatures: any key pair works.
  project.provide('s3Url', `${moto.endpoint.replace('http://', 'http://test-key:test-secret@')}/${TEST_BUCKET}`);
  project.provide('s3Endpoint', moto.endpoint);
  return () => moto.stop();
}
