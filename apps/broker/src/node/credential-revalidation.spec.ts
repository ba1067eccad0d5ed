import { describe, expect, it } from 'vitest';
import type { ConnectedClientInfo } from '../protocol/instance-broker';
import { credentialRevoked, type CredentialSnapshot } from './credential-revalidation';

function client(overrides: Partial<ConnectedClientInfo>): ConnectedClientInfo {
  return { clientId: 'c', superuser: false, protocolVersion: 5, remoteAddress: '127.0.0.1', ...overrides };
}

const byPassword = (userId: string) => client({ authenticatorId: 'db', authenticatorType: 'built-in-database', credential: { kind: 'user', userId } });
const byScram = (userId: string) => client({ authenticatorId: 'sc', authenticatorType: 'scram', credential: { kind: 'user', userId } });
const byDevice = (clientId: string, keySlot: 'primary' | 'secondary', keyFingerprint: string) =>
  client({ clientId, authenticatorId: 'ds', authenticatorType: 'device-secret', credential: { kind: 'device', clientId, keySlot, keyFingerprint } });

/** The database now: alice exists; meter-1 enabled with keys P1/S1; meter-2 disabled. */
const SNAPSHOT: CredentialSnapshot = {
  users: new Set(['alice']),
  devices: new Map([
    ['meter-1', { status: 'ENABLED', keyFingerprints: { primary: 'P1', secondary: 'S1' } }],
    ['meter-2', { status: 'DISABLED', keyFingerprints: { primary: 'P2', secondary: 'S2' } }],
  ]),
};

// client | revoked by the snapshot?
const TABLE: [string, ConnectedClientInfo, boolean][] = [
  ['a password client of an existing user', byPassword('alice'), false],
  ['a password client of a deleted user', byPassword('bob'), true],
  ['a SCRAM client of a deleted user', byScram('bob'), true],
  ['a device client whose slot still holds its key', byDevice('meter-1', 'primary', 'P1'), false],
  ['a device client of the secondary slot, which still holds its key', byDevice('meter-1', 'secondary', 'S1'), false],
  ['a device client whose primary key was replaced', byDevice('meter-1', 'primary', 'P0'), true],
  ['a device client whose slot holds the key of the other slot', byDevice('meter-1', 'secondary', 'P1'), true],
  ['a device client of a disabled device', byDevice('meter-2', 'primary', 'P2'), true],
  ['a device client of a deleted device', byDevice('meter-3', 'primary', 'P3'), true],
  ['a JWT client named like a deleted user', client({ username: 'bob', authenticatorId: 'jw', authenticatorType: 'jwt' }), false],
  ['an external-database client proving a user the built-in store lacks', client({ authenticatorId: 'pg', authenticatorType: 'postgresql', credential: { kind: 'user', userId: 'bob' } }), false],
  ['an anonymous client', client({ username: 'bob' }), false],
];

describe('credentialRevoked: which connected clients the resync disconnects', () => {
  it.each(TABLE)('%s', (_name, connected, revoked) => {
    expect(credentialRevoked(connected, SNAPSHOT)).toBe(revoked);
  });
});
