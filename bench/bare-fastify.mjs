// The reference for list throughput: a minimal Fastify app with one GET route answering a small
// JSON object, no logger, no hooks. bench/run.mjs starts it as its own child process and prints
// nothing of it but the figure. Listens on 127.0.0.1 and the port the parent chose (PORT).
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ errorCode: 0, msg: 'Success.', result: { hello: 'world' } }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.stdout.write('listening\n');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
