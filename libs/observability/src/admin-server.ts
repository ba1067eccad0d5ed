import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface AdminServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Ready to serve traffic (dependencies reachable, work loaded). */
  ready(): boolean | Promise<boolean>;
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

/** `/healthz`, `/readyz` and `/metrics` on the admin port of the broker and the worker. */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server: Server = createServer((request, response) => {
    const reply = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type }).end(body);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return reply(405, JSON.stringify({ status: 'method not allowed' }));
    if (path === '/healthz') return reply(200, JSON.stringify({ status: 'ok' }));
    if (path === '/readyz') {
      Promise.resolve(options.ready())
        .then((ready) => reply(ready ? 200 : 503, JSON.stringify({ status: ready ? 'ready' : 'not ready' })))
        .catch(() => reply(503, JSON.stringify({ status: 'not ready' })));
      return;
    }
    if (path === '/metrics') {
      options.registry
        .metrics()
        .then((text) => reply(200, text, options.registry.contentType))
        .catch((error: Error) => reply(500, JSON.stringify({ status: error.message })));
      return;
    }
    reply(404, JSON.stringify({ status: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
