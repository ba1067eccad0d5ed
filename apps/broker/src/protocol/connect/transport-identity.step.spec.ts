import { CONNACK_311, CONNACK_5, type ConnectCredentials } from '@mqc/auth';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstanceBroker, TlsHandshake } from '../instance-broker';
import { allowAll, createBroker, openClient } from '../testing/broker-fixture';

const certificate = { commonName: 'dev-1', subject: 'CN=dev-1', serialNumber: '0A', fingerprint256: 'AB', issuerFingerprint256: 'CA' };

describe('checkTransportIdentity (the TLS handshake admits the client, first step of the CONNECT pipeline)', () => {
  let broker: InstanceBroker;
  let seen: ConnectCredentials[];

  function open(tls: TlsHandshake | undefined, protocolVersion: 4 | 5) {
    seen = [];
    broker = createBroker({}, (credentials) => {
      seen.push(credentials);
      return allowAll();
    });
    return openClient(broker, protocolVersion, tls === undefined ? {} : { transport: 'tls', tls });
  }

  afterEach(async () => {
    await broker.close();
  });

  it('mode TLS: the client proceeds and a certificate plays no part', async () => {
    const client = open({ mode: 'TLS' }, 5);
    expect((await client.connect({ clientId: 'c' })).reasonCode).toBe(0);
    expect(seen[0]?.certificate).toBeUndefined();
    expect(seen[0]?.pskIdentity).toBeUndefined();
  });

  it('mTLS without a certificate: 5.0 CONNACK 0x87 with the reason, the chain never runs', async () => {
    const client = open({ mode: 'mTLS' }, 5);
    const connack = await client.connect({ clientId: 'c' });
    expect(connack).toMatchObject({ reasonCode: CONNACK_5.notAuthorized, sessionPresent: false, properties: { reasonString: 'a client certificate is required' } });
    await client.closed;
    expect(seen).toEqual([]);
    expect(broker.connectedClients).toBe(0);
  });

  it('mTLS without a certificate: 3.1.1 CONNACK 5 not authorized', async () => {
    const client = open({ mode: 'mTLS' }, 4);
    expect((await client.connect({ clientId: 'c' })).returnCode).toBe(CONNACK_311.notAuthorized);
    await client.closed;
    expect(seen).toEqual([]);
  });

  it('BYOC with an unregistered certificate: CONNACK 0x87 with why the handshake did not verify it', async () => {
    const problem = 'the client certificate does not chain to a CA this instance trusts';
    const client = open({ mode: 'BYOC', peerCertificate: { verified: false, problem } }, 5);
    const connack = await client.connect({ clientId: 'c' });
    expect(connack).toMatchObject({ reasonCode: CONNACK_5.notAuthorized, properties: { reasonString: problem } });
    await client.closed;
    expect(seen).toEqual([]);
  });

  it('mTLS with a verified certificate: the chain gets the certificate, disconnectWhere sees its serial', async () => {
    const client = open({ mode: 'mTLS', peerCertificate: { verified: true, certificate } }, 5);
    expect((await client.connect({ clientId: 'dev-1' })).reasonCode).toBe(0);
    expect(seen[0]?.certificate).toEqual(certificate);
    const serials: (string | undefined)[] = [];
    broker.disconnectWhere((c) => {
      serials.push(c.certificateSerial);
      return false;
    }, 0x87);
    expect(serials).toEqual(['0A']);
  });

  it('PSK: the client proceeds whatever the mode, the chain gets the identity and no certificate', async () => {
    const client = open({ mode: 'BYOC', pskIdentity: 'sensor-7' }, 4);
    expect((await client.connect({ clientId: 'c' })).returnCode).toBe(0);
    expect(seen[0]).toMatchObject({ pskIdentity: 'sensor-7' });
    expect(seen[0]?.certificate).toBeUndefined();
    const identities: (string | undefined)[] = [];
    broker.disconnectWhere((c) => {
      identities.push(c.pskIdentity);
      return false;
    }, 0x87);
    expect(identities).toEqual(['sensor-7']);
  });

  it('TCP and WebSocket connections prove nothing and are not asked to', async () => {
    const client = open(undefined, 5);
    expect((await client.connect({ clientId: 'c' })).reasonCode).toBe(0);
    expect(seen[0]?.certificate).toBeUndefined();
  });

  it('refuses before the other checks: a refused client learns about its certificate first', async () => {
    const client = open({ mode: 'mTLS' }, 5);
    const connack = await client.connect({ clientId: 'c', properties: { receiveMaximum: 0 } });
    expect(connack.reasonCode).toBe(CONNACK_5.notAuthorized);
  });
});
