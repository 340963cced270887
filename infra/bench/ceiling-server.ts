/**
 * The HTTP ceiling: a bare Node `http` server that answers every request with a small JSON body
 * once it has read the request. No framework, no auth, no I/O: on this machine, with this load
 * driver, no Node HTTP service can answer faster. `npm run bench` starts it as a child process
 * and stops it by pid.
 *
 * With `--kind fastify` it is instead the framework floor, for reference: a bare Fastify app (the
 * HTTP layer under the services' NestJS) whose one route parses the JSON body and answers the
 * same JSON. What the gateway costs beyond it is NestJS plus the gateway's own work.
 *
 *   node -r @swc-node/register infra/bench/ceiling-server.ts [--port 3190] [--host 127.0.0.1]
 *                                                            [--kind node|fastify]
 *
 * It prints one line `listening on http://host:port` when it is ready, and exits on SIGTERM/SIGINT.
 */
import * as http from 'node:http';

export const CEILING_BODY = JSON.stringify({ status: 'ok', service: 'ceiling' });

export function createCeilingServer(): http.Server {
  const body = Buffer.from(CEILING_BODY);
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

interface MinimalReply {
  type(contentType: string): MinimalReply;
  send(payload: string): MinimalReply;
}

interface MinimalFastify {
  route(opts: {
    method: string[];
    url: string;
    handler: (req: unknown, reply: MinimalReply) => MinimalReply;
  }): void;
  listen(opts: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
}

/**
 * Fastify comes with @nestjs/platform-fastify (the services' HTTP adapter); it is loaded at run
 * time so the bench has no dependency of its own on it.
 */
async function startFastify(port: number, host: string): Promise<() => Promise<void>> {
  const { default: fastify } = (await import('fastify')) as unknown as {
    default: (opts: object) => MinimalFastify;
  };
  const app = fastify({ logger: false, keepAliveTimeout: 65_000 });
  app.route({
    method: ['GET', 'POST'],
    url: '/*',
    handler: (_req, reply) => reply.type('application/json').send(CEILING_BODY),
  });
  await app.listen({ port, host });
  return () => app.close();
}

function option(argv: readonly string[], name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const port = Number(option(argv, '--port', '3190'));
  const host = option(argv, '--host', '127.0.0.1');
  const kind = option(argv, '--kind', 'node');
  const ready = (): void => {
    process.stdout.write(`listening on http://${host}:${port} (${kind})\n`);
  };
  if (kind === 'fastify') {
    startFastify(port, host).then(
      (close) => {
        ready();
        const stop = (): void => {
          void close().then(() => process.exit(0));
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      },
      (err: unknown) => {
        process.stderr.write(`ceiling-server: ${String(err)}\n`);
        process.exit(1);
      },
    );
  } else {
    const server = createCeilingServer();
    server.listen(port, host, ready);
    const stop = (): void => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  }
}
