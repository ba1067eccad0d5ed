import type { DataSource } from 'typeorm';
import { CONNACK_5 } from '@mqc/auth';
import { deviceKeyFingerprint } from '@mqc/auth-drivers';
import type { DeviceKeySlot, SecretBox } from '@mqc/domain';
import { PgBuiltInUserStore } from '../connect/built-in-user.store';
import { PgDeviceSecretStore } from '../connect/device-secret.store';
import type { ConnectedClientInfo, InstanceBroker } from '../protocol/instance-broker';
import { provedDevice, provedUser } from './revocation-match';

/** What PostgreSQL holds now for the credentials an instance's connected clients proved. */
export interface CredentialSnapshot {
  /** The built-in user ids that still exist. */
  users: ReadonlySet<string>;
  /** The devices that still exist, by client id, with a fingerprint of each slot's key. */
  devices: ReadonlyMap<string, { status: 'ENABLED' | 'DISABLED'; keyFingerprints: Readonly<Record<DeviceKeySlot, string>> }>;
}

/**
 * True when the credential a client proved would no longer let it in: its built-in user is
 * gone, or its device is gone, disabled, or the key slot that verified it holds another key.
 */
export function credentialRevoked(client: ConnectedClientInfo, snapshot: CredentialSnapshot): boolean {
  if (provedUser(client)) return !snapshot.users.has(client.credential.userId);
  if (!provedDevice(client)) return false;
  const { clientId, keySlot, keyFingerprint } = client.credential;
  const device = snapshot.devices.get(clientId);
  return device === undefined || device.status !== 'ENABLED' || device.keyFingerprints[keySlot] !== keyFingerprint;
}

/** Reads the snapshot for `clients`: one query for the users and one for the devices, whatever their number. */
export async function readCredentialSnapshot(dataSource: DataSource, secrets: SecretBox, instanceId: string, clients: readonly ConnectedClientInfo[]): Promise<CredentialSnapshot> {
  const userIds = new Set<string>();
  const deviceIds = new Set<string>();
  for (const client of clients) {
    if (provedUser(client)) userIds.add(client.credential.userId);
    if (provedDevice(client)) deviceIds.add(client.credential.clientId);
  }
  const [users, records] = await Promise.all([
    new PgBuiltInUserStore(dataSource).existingUserIds(instanceId, [...userIds]),
    new PgDeviceSecretStore(dataSource, secrets).findMany(instanceId, [...deviceIds]),
  ]);
  const devices = new Map(
    [...records].map(([clientId, record]) => [
      clientId,
      { status: record.status, keyFingerprints: { primary: deviceKeyFingerprint(record.primaryKey), secondary: deviceKeyFingerprint(record.secondaryKey) } },
    ]),
  );
  return { users, devices };
}

/**
 * Repairs a lost `credential-revoked` event: disconnects, as the live event would have (5.0:
 * DISCONNECT 0x87), the clients whose proved credential PostgreSQL no longer holds; returns how
 * many. Only the connections judged are touched: each authentication makes its own credential
 * object, so a client that reconnected during the queries (with a new key, say) is not matched.
 */
export async function revalidateClients(broker: InstanceBroker, dataSource: DataSource, secrets: SecretBox, instanceId: string): Promise<number> {
  const clients = broker.connectedClientInfos().filter((c) => provedUser(c) || provedDevice(c));
  if (clients.length === 0) return 0;
  const snapshot = await readCredentialSnapshot(dataSource, secrets, instanceId, clients);
  const revoked = new Set(clients.filter((c) => credentialRevoked(c, snapshot)).map((c) => c.credential));
  if (revoked.size === 0) return 0;
  return broker.disconnectWhere((c) => c.credential !== undefined && revoked.has(c.credential), CONNACK_5.notAuthorized);
}
