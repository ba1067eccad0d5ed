import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectCredentials, httpConfigSchema } from '@mqc/auth';
import { AuthService, json } from '../external/http-service.spec-helper';
import { HttpAuthError, HttpAuthenticator, type HttpAuthenticatorOptions } from './http.authenticator';

const NOW_S = 1_800_000_000;

function creds(overrides: Partial<ConnectCredentials> = {}): ConnectCredentials {
  return {
    instanceId: 'inst-1',
    clientId: 'meter/17',
    username: 'alice',
    password: Buffer.from('p&ss w=rd'),
    peerHost: '203.0.113.9',
    protocolVersion: 5,
    ...overrides,
  };
}

describe('HttpAuthenticator against a real HTTP service', () => {
  let service: AuthService;
  const opened: HttpAuthenticator[] = [];

  beforeAll(async () => {
    service = await new AuthService().start();
  });
  afterAll(() => service.stop());
  afterEach(async () => {
    service.reset();
    await Promise.all(opened.splice(0).map((a) => a.close()));
  });

  function authn(config: Record<string, unknown> = {}, options: HttpAuthenticatorOptions = {}): HttpAuthenticator {
    const parsed = httpConfigSchema.parse({ url: `${service.url}/mqtt/auth`, ...config });
    const a = new HttpAuthenticator('http-1', parsed, { outboundAllowList: ['127.0.0.1'], now: () => NOW_S * 1000, ...options });
    opened.push(a);
    return a;
  }

  describe('the response contract', () => {
    it('204 allows', async () => {
      expect(await authn().authenticate(creds())).toEqual({ kind: 'allow', superuser: false });
    });

    it('200 allow carries is_superuser and expire_at', async () => {
      service.handler = (_req, res) => json(res, { result: 'allow', is_superuser: true, expire_at: NOW_S + 3600 });
      expect(await authn().authenticate(creds())).toEqual({ kind: 'allow', superuser: true, expiresAt: new Date((NOW_S + 3600) * 1000) });
      service.handler = (_req, res) => json(res, { result: 'allow' });
      expect(await authn().authenticate(creds())).toEqual({ kind: 'allow', superuser: false });
    });

    it('200 allow carries the acl array parsed (issue 13); a malformed one with its reason, the client still allowed', async () => {
      service.handler = (_req, res) => json(res, { result: 'allow', acl: [{ permission: 'deny', action: 'publish', topic: 'x/#' }] });
      expect(await authn().authenticate(creds())).toMatchObject({ kind: 'allow', superuser: false, acl: { kind: 'acl', format: 'http', rules: [{ id: 'acl[0]', permission: 'deny' }] } });
      service.handler = (_req, res) => json(res, { result: 'allow', acl: { pub: ['x'] } });
      expect(await authn().authenticate(creds())).toMatchObject({ kind: 'allow', acl: { kind: 'malformed' } });
    });

    it('200 deny refuses as not-authorized (EMQX)', async () => {
      service.handler = (_req, res) => json(res, { result: 'deny' });
      expect(await authn().authenticate(creds())).toMatchObject({ kind: 'deny', reason: 'not-authorized' });
    });

    it('200 ignore passes the client on', async () => {
      service.handler = (_req, res) => json(res, { result: 'ignore', is_superuser: true });
      expect(await authn().authenticate(creds())).toEqual({ kind: 'ignore' });
    });

    it('an expire_at already past refuses the credentials', async () => {
      service.handler = (_req, res) => json(res, { result: 'allow', expire_at: NOW_S - 1 });
      expect(await authn().authenticate(creds())).toMatchObject({ kind: 'deny', reason: 'bad-credentials', message: expect.stringMatching(/in the past/) });
    });

    it.each([
      ['500', (res: ServerResponse) => json(res, { result: 'allow' }, 500), /answered 500/],
      ['401', (res: ServerResponse) => res.writeHead(401).end(), /answered 401/],
      ['a redirect, not followed', (res: ServerResponse) => res.writeHead(302, { location: '/elsewhere' }).end(), /answered 302/],
      ['malformed JSON', (res: ServerResponse) => json(res, '{"result": "allow"'), /not JSON/],
      ['a missing result', (res: ServerResponse) => json(res, { is_superuser: true }), /outside the contract: result must be/],
      ['an unknown result', (res: ServerResponse) => json(res, { result: 'yes' }), /outside the contract/],
      ['expire_at in milliseconds', (res: ServerResponse) => json(res, { result: 'allow', expire_at: NOW_S * 1000 }), /not Unix seconds/],
      ['a body over 64 KiB', (res: ServerResponse) => json(res, { result: 'allow', pad: 'x'.repeat(70_000) }), /larger than 65536 bytes/],
    ])('%s throws (backend-failure policy)', async (_name, respond, message) => {
      service.handler = (_req, res) => respond(res);
      const error = await authn().authenticate(creds()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpAuthError);
      expect((error as Error).message).toMatch(message);
      expect(service.received.map((r) => r.url)).toEqual(['/mqtt/auth']);
    });

    it('a service slower than timeoutMs throws', async () => {
      service.handler = () => undefined; // never answers; reset() drops the socket
      await expect(authn({ timeoutMs: 150 }).authenticate(creds())).rejects.toThrow(/no answer within 150 ms/);
    });

    it('a transport error throws', async () => {
      const closed = new AuthService();
      await closed.start();
      await closed.stop();
      const a = new HttpAuthenticator('http-2', httpConfigSchema.parse({ url: `${closed.url}/x` }), { outboundAllowList: ['127.0.0.1'] });
      opened.push(a);
      await expect(a.authenticate(creds())).rejects.toThrow(/ECONNREFUSED/);
    });
  });

  describe('the request', () => {
    it('GET renders placeholders into the query string, URL-encoded, and the URL path', async () => {
      const a = authn({
        method: 'GET',
        url: `${service.url}/auth/\${clientid}?v=1`,
        body: { clientid: '${clientid}', username: '${username}', password: '${password}', peer: '${peerhost}', n: 7, flag: true },
      });
      expect((await a.authenticate(creds())).kind).toBe('allow');
      const [received] = service.received;
      expect(received!.method).toBe('GET');
      expect(received!.body).toBe('');
      const url = new URL(received!.url, 'http://x');
      expect(url.pathname).toBe('/auth/meter%2F17');
      expect(Object.fromEntries(url.searchParams)).toEqual({ v: '1', clientid: 'meter/17', username: 'alice', password: 'p&ss w=rd', peer: '203.0.113.9', n: '7', flag: 'true' });
    });

    it('POST sends the JSON body template rendered, values not re-expanded', async () => {
      const a = authn({ body: { clientid: '${clientid}', auth: { user: '${username}', pass: '${password}' }, tags: ['${instance_id}', 3], cn: '${cert_common_name}' } });
      await a.authenticate(creds({ username: '${password}' }));
      const [received] = service.received;
      expect(received!.method).toBe('POST');
      expect(received!.headers['content-type']).toBe('application/json');
      expect(JSON.parse(received!.body)).toEqual({ clientid: 'meter/17', auth: { user: '${password}', pass: 'p&ss w=rd' }, tags: ['inst-1', 3], cn: '' });
    });

    it('POST sends a form when the content-type header says so', async () => {
      const a = authn({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: { clientid: '${clientid}', password: '${password}' } });
      await a.authenticate(creds());
      const [received] = service.received;
      expect(received!.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(new URLSearchParams(received!.body))).toEqual({ clientid: 'meter/17', password: 'p&ss w=rd' });
    });

    it('sends configured headers with placeholders, and URL credentials as Basic authorization', async () => {
      const a = authn({ url: `http://svc:s%40cret@127.0.0.1:${service.port}/auth`, headers: { 'x-api-key': 'k-123', 'x-client': '${clientid}@${username}' } });
      await a.authenticate(creds({ username: 'Zoë' }));
      const [received] = service.received;
      expect(received!.headers['x-api-key']).toBe('k-123');
      expect(Buffer.from(received!.headers['x-client'] as string, 'latin1').toString('utf8')).toBe('meter/17@Zoë');
      expect(received!.headers.authorization).toBe(`Basic ${Buffer.from('svc:s@cret').toString('base64')}`);
    });

    it('refuses client data that would break out of a header, without a request', async () => {
      const a = authn({ headers: { 'x-user': '${username}' } });
      expect(await a.authenticate(creds({ username: 'a\r\nx-superuser: 1' }))).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
      expect(service.received).toHaveLength(0);
    });

    it('keeps at most `concurrency` requests in flight; the others wait their turn', async () => {
      const waiting: ServerResponse[] = [];
      service.handler = (_req, res) => waiting.push(res);
      const a = authn({ concurrency: 3, timeoutMs: 30_000 });
      const all = Promise.all(Array.from({ length: 10 }, () => a.authenticate(creds())));
      for (let answered = 0; answered < 10; answered++) {
        await expect.poll(() => waiting.length, { timeout: 10_000, interval: 5 }).toBeGreaterThan(0);
        expect(service.inFlight).toBeLessThanOrEqual(3);
        waiting.shift()!.writeHead(204).end();
      }
      expect((await all).every((r) => r.kind === 'allow')).toBe(true);
      expect(service.received).toHaveLength(10);
      expect(service.maxInFlight).toBe(3);
    });
    it('a request waiting for a slot is still bounded by timeoutMs', async () => {
      service.handler = () => undefined; // holds the only slot
      const a = authn({ concurrency: 1, timeoutMs: 150 });
      const first = a.authenticate(creds()).catch((e: unknown) => e);
      await expect.poll(() => service.received.length).toBe(1);
      // Queued behind the first; its own clock started when it was called.
      await expect(a.authenticate(creds())).rejects.toThrow(/no answer within 150 ms/);
      expect(await first).toBeInstanceOf(HttpAuthError);
    });
  });

  describe('the private-address guard', () => {
    it('refuses a loopback URL the operator did not allow, before any request', async () => {
      const a = authn({}, { outboundAllowList: [] });
      await expect(a.authenticate(creds())).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
      expect(service.received).toHaveLength(0);
    });

    it('checks the addresses a name resolves to when connecting, and connects to the checked one', async () => {
      const resolve = async () => ['127.0.0.1'];
      const refused = authn({ url: `http://auth.tenant.example:${service.port}/auth` }, { outboundAllowList: [], resolve });
      await expect(refused.authenticate(creds())).rejects.toThrow(/auth\.tenant\.example resolves to an address that is not public/);
      expect(service.received).toHaveLength(0);

      const allowed = authn({ url: `http://auth.tenant.example:${service.port}/auth` }, { outboundAllowList: ['127.0.0.1'], resolve });
      expect((await allowed.authenticate(creds())).kind).toBe('allow');
      expect(service.received[0]!.headers.host).toBe(`auth.tenant.example:${service.port}`);
    });
  });
});
