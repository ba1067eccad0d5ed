import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AuthzQuestion {
  action: string;
  topic: string;
  qos: string;
  retain: string;
  clientid: string;
}

export interface HttpAuthzService {
  server: Server;
  /** POST here with a JSON body of AuthzQuestion fields and the header `x-api-key: <apiKey>`. */
  url: string;
  apiKey: string;
  questions: AuthzQuestion[];
  close(): Promise<void>;
}

const API_KEY = 'authz-key-42';

/**
 * A tenant's HTTP authorization service (EMQX's contract) on a real socket. Without the right
 * `x-api-key` it answers 401. The topic's first level says how it answers: `denied` 200 deny,
 * `ignored` 200 ignore, `secret` deny for subscribe (a receiver's check) and allow for publish,
 * `slow` 204 after 200 ms; anything else 204 (allow).
 */
export async function startHttpAuthzService(): Promise<HttpAuthzService> {
  const questions: AuthzQuestion[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      if (request.headers['x-api-key'] !== API_KEY) return void response.writeHead(401).end();
      const question = JSON.parse(text || '{}') as AuthzQuestion;
      questions.push(question);
      const json = (result: string) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result }));
      const first = question.topic.split('/')[0];
      if (first === 'denied') json('deny');
      else if (first === 'ignored') json('ignore');
      else if (first === 'secret') json(question.action === 'subscribe' ? 'deny' : 'allow');
      else if (first === 'slow') setTimeout(() => response.writeHead(204).end(), 200);
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mqtt/acl`,
    apiKey: API_KEY,
    questions,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The http authorizer configuration the e2e specs use for such a service (the API key is a secret header). */
export function httpAuthorizerConfig(url: string, apiKey: string, cacheTtlSeconds = 0): Record<string, unknown> {
  return {
    method: 'POST',
    url,
    headers: { 'x-api-key': apiKey },
    body: { clientid: '${clientid}', topic: '${topic}', action: '${action}', qos: '${qos}', retain: '${retain}' },
    timeoutMs: 1_000,
    cacheTtlSeconds,
  };
}
