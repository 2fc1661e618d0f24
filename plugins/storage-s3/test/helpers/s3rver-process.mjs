// Runs s3rver (with the test helper's extensions) as a child process, so a test can kill
// it with SIGKILL mid-upload and start it again on the same port and directory.
// Usage: node s3rver-process.mjs '{"port":0,"directory":"/tmp/x","buckets":["b"]}'
// Prints one JSON line {"ready":{"port":N,"endpoint":"..."}} then {"request":{...}} per request.
import { startS3rver } from './s3rver.mjs';

const options = JSON.parse(process.argv[2] ?? '{}');
const server = await startS3rver(options);
server.events.on('request', (request) => process.stdout.write(`${JSON.stringify({ request })}\n`));
process.stdout.write(`${JSON.stringify({ ready: { port: server.port, endpoint: server.endpoint } })}\n`);
process.on('SIGTERM', () => server.close({ keepDirectory: true }).then(() => process.exit(0)));
