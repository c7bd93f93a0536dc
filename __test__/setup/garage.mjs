// vitest globalSetup of the `garage` project: the tests run against the Garage bucket named by
// S3DB_TEST_GARAGE (`http://KEY:SECRET@127.0.0.1:3900/bucket`), which must exist already.
export default function setup(project) {
  const url = process.env.S3DB_TEST_GARAGE;
  if (!url) throw new Error('the garage test target needs S3DB_TEST_GARAGE=http://KEY:SECRET@host:3900/bucket');
  project.provide('s3Url', url);
  project.provide('s3Endpoint', new URL(url).origin);
}
