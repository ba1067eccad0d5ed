import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpAuthorizerConfigSchema, type AuthorizationRequest } from '@mqc/auth';
import { AuthService, json } from '../external/http-service.spec-helper';
import type { BackendAuthorizationClient } from './backend-authorizer';
import { HttpAuthorizer, type HttpAuthorizerOptions } from './http.authorizer';

const CLIENT: BackendAuthorizationClient = { clientId: 'meter-17', username: 'alice', peerHost: '203.0.113.9', certCommonName: 'meter-17.example', instanceId: 'inst-1' };
const PUBLISH: AuthorizationRequest = { action: 'publish', topic: 'devices/meter-17/up', qos: 1, retain: true };

describe('HttpAuthorizer against a real HTTP service', () => {
  let service: AuthService;
  const opened: HttpAuthorizer[] = [];
  let clock = 1_800_000_000_000;

  beforeAll(async () => {
    service = await new AuthService().start();
  });
  afterAll(() => service.stop());
  afterEach(async () => {
    service.reset();
    await Promise.all(opened.splice(0).map((a) => a.close()));
  });

  function authz(config: Record<string, unknown> = {}, options: HttpAuthorizerOptions = {}): HttpAuthorizer {
    const parsed = httpAuthorizerConfigSchema.parse({ url: `${service.url}/mqtt/acl`, ...config });
    const a = new HttpAuthorizer('authz-1', parsed, { outboundAllowList: ['127.0.0.1'], now: () => clock, ...options });
    opened.push(a);
    return a;
  }

  describe('the EMQX contract', () => {
    it('204 allows', async () => {
      expect(await authz().source(CLIENT).check(PUBLISH)).toEqual({ kind: 'allow' });
    });

    it.each([
      ['allow', { kind: 'allow' }],
      ['deny', { kind: 'deny' }],
      ['ignore', { kind: 'no-match' }],
    ])('200 {"result": "%s"} answers that result (ignore is no-match)', async (result, expected) => {
      service.handler = (_req, res) => json(res, { result });
      expect(await authz().source(CLIENT).check(PUBLISH)).toEqual(expected);
    });

    it.each([
      ['500', (res: ServerResponse) => json(res, { result: 'allow' }, 500), /answered 500/],
      ['a redirect, not followed', (res: ServerResponse) => res.writeHead(302, { location: '/elsewhere' }).end(), /answered 302/],
      ['malformed JSON', (res: ServerResponse) => json(res, '{"result": "allow"'), /not JSON/],
      ['a result outside the contract', (res: ServerResponse) => json(res, { result: 'maybe' }), /outside the contract: result must be/],
      ['a body over the size cap', (res: ServerResponse) => json(res, { result: 'allow', pad: 'x'.repeat(4096) }), /larger than 1024 bytes/],
    ])('%s is an error (the chain fails closed)', async (_name, handler, message) => {
      service.handler = (_req, res) => handler(res);
      const result = await authz({}, { maxResponseBytes: 1024 }).source(CLIENT).check(PUBLISH);
      expect(result).toMatchObject({ kind: 'error', message: expect.stringMatching(message) });
    });

    it('a service slower than timeoutMs is an error, not a wait', async () => {
      service.handler = () => undefined; // never answers
      expect(await authz({ timeoutMs: 150 }).source(CLIENT).check(PUBLISH)).toMatchObject({ kind: 'error', message: expect.stringMatching(/no answer within 150 ms/) });
    });

    it('a service that is down is an error', async () => {
      const a = authz({ url: 'http://127.0.0.1:9/mqtt/acl' });
      expect(await a.source(CLIENT).check(PUBLISH)).toMatchObject({ kind: 'error' });
    });

    it('an address outside the outbound allow-list is an error, never asked', async () => {
      const a = authz({}, { outboundAllowList: [] });
      expect(await a.source(CLIENT).check(PUBLISH)).toMatchObject({ kind: 'error' });
      expect(service.received).toHaveLength(0);
    });
  });

  describe('the request', () => {
    it('POST renders topic, action, qos, retain and the client placeholders in the body, headers and path', async () => {
      const a = authz({
        url: `${service.url}/acl/\${clientid}`,
        headers: { 'x-api-key': 'k-1', 'x-user': '${username}' },
        body: { clientid: '${clientid}', username: '${username}', peerhost: '${peerhost}', cn: '${cert_common_name}', topic: '${topic}', action: '${action}', qos: '${qos}', retain: '${retain}' },
      });
      await a.source(CLIENT).check(PUBLISH);
      const [received] = service.received;
      expect(received).toMatchObject({ method: 'POST', url: '/acl/meter-17', headers: { 'x-api-key': 'k-1', 'x-user': 'alice', 'content-type': 'application/json' } });
      expect(JSON.parse(received?.body ?? '')).toEqual({
        clientid: 'meter-17',
        username: 'alice',
        peerhost: '203.0.113.9',
        cn: 'meter-17.example',
        topic: 'devices/meter-17/up',
        action: 'publish',
        qos: '1',
        retain: 'true',
      });
    });

    it('GET puts the body in the query string, URL-encoded (a subscribe filter with wildcards)', async () => {
      const a = authz({ method: 'GET', body: { topic: '${topic}', action: '${action}', qos: '${qos}', retain: '${retain}' } });
      await a.source(CLIENT).check({ action: 'subscribe', topic: 'devices/+/up/#', qos: 2, retain: false });
      const url = new URL(service.received[0]?.url ?? '', 'http://x');
      expect(url.pathname).toBe('/mqtt/acl');
      expect(Object.fromEntries(url.searchParams)).toEqual({ topic: 'devices/+/up/#', action: 'subscribe', qos: '2', retain: 'false' });
    });
  });

  describe('the cache', () => {
    it('keeps an answer cacheTtlSeconds per client, action, topic, QoS and retain', async () => {
      service.handler = (_req, res) => json(res, { result: 'deny' });
      const source = authz({ cacheTtlSeconds: 10 }).source(CLIENT);
      expect(source.cached?.(PUBLISH)).toBeUndefined();
      expect(await source.check(PUBLISH)).toEqual({ kind: 'deny' });
      expect(source.cached?.(PUBLISH)).toEqual({ kind: 'deny' });
      expect(await source.check(PUBLISH)).toEqual({ kind: 'deny' });
      expect(service.received).toHaveLength(1);
      // Another QoS, retain flag, action or topic is another question.
      await source.check({ ...PUBLISH, qos: 0 });
      await source.check({ ...PUBLISH, retain: false });
      await source.check({ ...PUBLISH, action: 'subscribe' });
      await source.check({ ...PUBLISH, topic: 'devices/meter-17/down' });
      expect(service.received).toHaveLength(5);
      clock += 10_001;
      expect(source.cached?.(PUBLISH)).toBeUndefined();
      await source.check(PUBLISH);
      expect(service.received).toHaveLength(6);
    });

    it('is per client: another client asks again', async () => {
      const a = authz({ cacheTtlSeconds: 10 });
      await a.source(CLIENT).check(PUBLISH);
      await a.source({ ...CLIENT, clientId: 'meter-18' }).check(PUBLISH);
      expect(service.received).toHaveLength(2);
    });

    it('keeps no error, and nothing with cacheTtlSeconds 0', async () => {
      service.handler = (_req, res) => json(res, {}, 500);
      const source = authz({ cacheTtlSeconds: 10 }).source(CLIENT);
      await source.check(PUBLISH);
      expect(source.cached?.(PUBLISH)).toBeUndefined();
      service.handler = (_req, res) => res.writeHead(204).end();
      const uncached = authz({ cacheTtlSeconds: 0 }).source(CLIENT);
      await uncached.check(PUBLISH);
      await uncached.check(PUBLISH);
      expect(uncached.cached?.(PUBLISH)).toBeUndefined();
      expect(service.received).toHaveLength(3);
    });

    it('is bounded per client: the oldest answer goes first', async () => {
      const source = authz({ cacheTtlSeconds: 60 }, { maxCachedPerClient: 2 }).source(CLIENT);
      for (const topic of ['a', 'b', 'c']) await source.check({ ...PUBLISH, topic });
      expect(source.cached?.({ ...PUBLISH, topic: 'a' })).toBeUndefined();
      expect(source.cached?.({ ...PUBLISH, topic: 'c' })).toEqual({ kind: 'allow' });
    });
  });
});
