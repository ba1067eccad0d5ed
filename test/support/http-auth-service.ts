import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, string>;
}

export interface HttpAuthService {
  server: Server;
  /** POST here with a JSON body holding at least `username` and `clientid`. */
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A tenant's HTTP authentication service (SPEC 4.4 contract) on a real socket. The first
 * dash-separated word of the username (of the client id when there is no username), or the
 * `force` query parameter, says how it answers: `allow` 204, `deny` / `ignore` that result,
 * `boom` HTTP 500, `slow` 204 after 1.5 s, `brief` allow until two seconds from now;
 * anything else is `ignore`.
 */
export async function startHttpAuthService(host = '127.0.0.1'): Promise<HttpAuthService> {
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const body = JSON.parse(text || '{}') as Record<string, string>;
      const path = request.url ?? '';
      seen.push({ path, headers: request.headers, body });
      const forced = new URL(path, 'http://service').searchParams.get('force');
      const kind = forced ?? (body['username'] || body['clientid'] || '').split('-')[0];
      const json = (value: unknown) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (kind === 'allow') response.writeHead(204).end();
      else if (kind === 'deny') json({ result: 'deny' });
      else if (kind === 'brief') json({ result: 'allow', expire_at: Math.floor(Date.now() / 1000) + 2 });
      else if (kind === 'slow') setTimeout(() => response.writeHead(204).end(), 1_500);
      else if (kind === 'boom') response.writeHead(500).end('internal error');
      else json({ result: 'ignore' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    server,
    url: `http://${host}:${(server.address() as AddressInfo).port}/mqtt/auth`,
    seen,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The authenticator configuration the e2e specs use for such a service. */
export function httpAuthenticatorConfig(url: string): Record<string, unknown> {
  return {
    method: 'POST',
    url,
    headers: { 'x-api-key': 'k-123' },
    body: { clientid: '${clientid}', username: '${username}', password: '${password}', peerhost: '${peerhost}' },
    timeoutMs: 300,
  };
}
