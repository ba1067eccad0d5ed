import { X509Certificate } from 'node:crypto';
import { editionAllowsType, type AuthResult, type ClientCertificate, type ConnectCredentials } from '@mqc/auth';
import { AuthenticatorEntity, InstanceEntity } from '@mqc/db';
import type { z } from 'zod';
import type { authenticatorTestResultSchema, authenticatorTestSchema } from '@mqc/queue';
import { AUTHENTICATOR_FACTORIES, type AuthenticatorDeps } from '../connect/authenticator-factory';
import { loadTlsMaterial } from '../listeners/tls-material';

export type AuthenticatorTestInput = z.infer<typeof authenticatorTestSchema>;
export type AuthenticatorTestResult = z.infer<typeof authenticatorTestResultSchema>;

/** As long as a CONNECT waits for one authenticator (InstanceChain). */
const TEST_TIMEOUT_MS = 10_000;
/** Dry runs one node runs at once, across its instances; beyond it a dry run answers `error` (busy). */
const MAX_CONCURRENT_TESTS = 8;
const MAX_REASON = 2_000;

let running = 0;

/**
 * The certificate as a TLS handshake would have verified it: within its validity, signed by the
 * instance's CA or a CA registered with it (one level: the dry run has no chain to complete),
 * which is its issuer for the x509 registry. A string says why a handshake would not admit it.
 */
async function verifiedCertificate(deps: AuthenticatorDeps, instanceId: string, pem: string): Promise<ClientCertificate | string> {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(pem);
  } catch (error) {
    return `the certificate cannot be read: ${error instanceof Error ? error.message : String(error)}`;
  }
  const now = Date.now();
  if (new Date(leaf.validFrom).getTime() > now || new Date(leaf.validTo).getTime() < now) return 'the certificate is not valid now (a TLS handshake would refuse it)';
  const { material } = await loadTlsMaterial(deps.dataSource, deps.secrets, instanceId, deps.logger);
  const issuer = [material.caPem, ...material.registeredCaPems].map((ca) => new X509Certificate(ca)).find((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  if (issuer === undefined) return 'the certificate was not signed by a CA this instance trusts (a TLS handshake would refuse it)';
  const commonName = leaf.subject.split('\n').filter((l) => l.startsWith('CN=')).at(-1)?.slice(3) ?? '';
  return { commonName, subject: leaf.subject, serialNumber: leaf.serialNumber, fingerprint256: leaf.fingerprint256, issuerFingerprint256: issuer.fingerprint256, pem: leaf.toString() };
}

function reasonOf(text: string | undefined): string | null {
  if (text === undefined) return null;
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}

function resultOf(result: AuthResult, elapsedMs: number): AuthenticatorTestResult {
  switch (result.kind) {
    case 'allow':
      return {
        decision: 'allow',
        reason: null,
        superuser: result.superuser ?? false,
        expiresAt: result.expiresAt?.toISOString() ?? null,
        acl: result.acl ?? null,
        elapsedMs,
      };
    case 'deny':
      return { decision: 'deny', reason: reasonOf(result.message ?? result.reason), superuser: null, expiresAt: null, acl: null, elapsedMs };
    case 'ignore':
      return { decision: 'ignore', reason: 'not this authenticator’s to judge: the chain would go on to the next one', superuser: null, expiresAt: null, acl: null, elapsedMs };
    case 'continue':
      return { decision: 'continue', reason: 'the method needs an MQTT 5 AUTH exchange, which a dry run cannot hold', superuser: null, expiresAt: null, acl: null, elapsedMs };
  }
}

function refusedByTransport(reason: string): AuthenticatorTestResult {
  return { decision: 'deny', reason: reasonOf(reason), superuser: null, expiresAt: null, acl: null, elapsedMs: 0 };
}

function failed(reason: string, elapsedMs = 0): AuthenticatorTestResult {
  return { decision: 'error', reason: reasonOf(reason), superuser: null, expiresAt: null, acl: null, elapsedMs };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `POST /v1/instances/{id}/authenticators/{aid}/test` on the node serving the instance: the
 * authenticator is built from its row as the chain builds it (same factory, same outbound URL
 * guard, its secrets opened), enabled or not, asked once for these credentials (a JWKS fetched,
 * an HTTP service or a database asked) and closed. Its stores write nothing (dryRun). What it alone answers is returned; no other
 * link of the chain runs, no metric or throttle counts it. Undefined when the authenticator is
 * not the instance's (the caller found it for the tenant first: a race with a deletion).
 */
export async function testAuthenticator(deps: AuthenticatorDeps, instanceId: string, authenticatorId: string, input: AuthenticatorTestInput): Promise<AuthenticatorTestResult | undefined> {
  const row = await deps.dataSource.getRepository(AuthenticatorEntity).findOneBy({ id: authenticatorId, instanceId });
  const instance = await deps.dataSource.getRepository(InstanceEntity).findOneBy({ id: instanceId });
  if (!row || !instance) return undefined;
  if (!editionAllowsType(instance.edition, row.type)) return failed(`the ${instance.edition} edition does not run ${row.type} authenticators`);
  const factory = AUTHENTICATOR_FACTORIES[row.type];
  if (!factory) return failed(`this broker cannot run ${row.type} authenticators`);
  const certificate = input.certificate === undefined ? undefined : await verifiedCertificate(deps, instanceId, input.certificate);
  if (typeof certificate === 'string') return refusedByTransport(certificate);
  if (running >= MAX_CONCURRENT_TESTS) return failed('this broker node runs too many dry runs at once; retry');
  running++;
  const started = performance.now();
  const authenticator = (() => {
    try {
      return factory(row, { ...deps, dryRun: true });
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  })();
  try {
    if (authenticator instanceof Error) return failed(`configuration cannot be used: ${authenticator.message}`);
    const credentials: ConnectCredentials = {
      instanceId,
      clientId: input.clientId,
      username: input.username,
      password: input.password === undefined ? undefined : Buffer.from(input.password, 'utf8'),
      peerHost: input.peerHost ?? '0.0.0.0',
      protocolVersion: 5,
      certificate,
    };
    const result = await withTimeout(authenticator.authenticate(credentials), TEST_TIMEOUT_MS);
    return resultOf(result, Math.round(performance.now() - started));
  } catch (error) {
    return failed(error instanceof Error ? error.message : String(error), Math.round(performance.now() - started));
  } finally {
    running--;
    if (!(authenticator instanceof Error)) await authenticator.close?.().catch(() => undefined);
  }
}
