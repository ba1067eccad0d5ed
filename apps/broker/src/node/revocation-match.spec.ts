import { describe, expect, it } from 'vitest';
import type { RevokedCredential } from '@mqc/domain';
import type { ConnectedClientInfo } from '../protocol/instance-broker';
import { usedRevokedCredential } from './revocation-match';

function client(overrides: Partial<ConnectedClientInfo>): ConnectedClientInfo {
  return { clientId: 'c', superuser: false, protocolVersion: 5, remoteAddress: '127.0.0.1', ...overrides };
}

/** The connected clients of one instance, each let in a different way. */
const CLIENTS = {
  aliceByPassword: client({ clientId: 'a-1', username: 'alice', authenticatorId: 'db', authenticatorType: 'built-in-database', credential: { kind: 'user', userId: 'alice' } }),
  aliceByScram: client({ clientId: 'a-2', username: 'alice', authenticatorId: 'sc', authenticatorType: 'scram', credential: { kind: 'user', userId: 'alice' } }),
  aliceByJwt: client({ clientId: 'a-3', username: 'alice', authenticatorId: 'jw', authenticatorType: 'jwt' }),
  aliceByHttp: client({ clientId: 'alice', username: 'alice', authenticatorId: 'ht', authenticatorType: 'http' }),
  aliceAnonymous: client({ clientId: 'a-4', username: 'alice' }),
  // Keyed by client id: client id "meter-1" proved user "meter-1" whatever its user name.
  meterByClientId: client({ clientId: 'meter-1', username: 'alice', authenticatorId: 'db', authenticatorType: 'built-in-database', credential: { kind: 'user', userId: 'meter-1' } }),
  meterPrimary: client({ clientId: 'meter-1', authenticatorId: 'ds', authenticatorType: 'device-secret', credential: { kind: 'device', clientId: 'meter-1', keySlot: 'primary', keyFingerprint: 'p' } }),
  meterSecondary: client({ clientId: 'meter-1', authenticatorId: 'ds', authenticatorType: 'device-secret', credential: { kind: 'device', clientId: 'meter-1', keySlot: 'secondary', keyFingerprint: 's' } }),
  meterByJwt: client({ clientId: 'meter-1', authenticatorId: 'jw', authenticatorType: 'jwt' }),
  otherDevice: client({ clientId: 'meter-2', authenticatorId: 'ds', authenticatorType: 'device-secret', credential: { kind: 'device', clientId: 'meter-2', keySlot: 'primary', keyFingerprint: 'p2' } }),
  certified: client({ clientId: 'cert-1', certificateSerial: '0A1B', authenticatorId: 'x5', authenticatorType: 'x509' }),
  // A credential of the user kind from an authenticator that does not read the built-in store.
  externalUser: client({ clientId: 'a-5', username: 'alice', authenticatorId: 'pg', authenticatorType: 'postgresql', credential: { kind: 'user', userId: 'alice' } }),
} satisfies Record<string, ConnectedClientInfo>;

type Name = keyof typeof CLIENTS;

// revocation | the clients it disconnects (every other client of CLIENTS stays)
const TABLE: [string, RevokedCredential, Name[]][] = [
  ['user alice deleted (username keyed)', { type: 'user', userIdType: 'username', userId: 'alice' }, ['aliceByPassword', 'aliceByScram']],
  ['user alice deleted (client-id keyed event)', { type: 'user', userIdType: 'clientid', userId: 'alice' }, ['aliceByPassword', 'aliceByScram']],
  ['user meter-1 deleted (client-id keyed)', { type: 'user', userIdType: 'clientid', userId: 'meter-1' }, ['meterByClientId']],
  ['user nobody deleted', { type: 'user', userIdType: 'username', userId: 'nobody' }, []],
  ['device meter-1 disabled or deleted', { type: 'device', clientId: 'meter-1' }, ['meterPrimary', 'meterSecondary']],
  ['device meter-1 primary key regenerated', { type: 'device', clientId: 'meter-1', keySlot: 'primary' }, ['meterPrimary']],
  ['device meter-1 secondary key regenerated', { type: 'device', clientId: 'meter-1', keySlot: 'secondary' }, ['meterSecondary']],
  ['device meter-3 deleted', { type: 'device', clientId: 'meter-3' }, []],
  ['certificate 0A1B revoked', { type: 'certificate', serial: '0A1B' }, ['certified']],
];

describe('usedRevokedCredential: which connected clients a revocation disconnects', () => {
  it.each(TABLE)('%s', (_name, revoked, disconnected) => {
    const matches = usedRevokedCredential(revoked);
    const selected = (Object.keys(CLIENTS) as Name[]).filter((name) => matches(CLIENTS[name]));
    expect(selected).toEqual(disconnected);
  });
});
