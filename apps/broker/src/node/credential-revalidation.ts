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

/** At most this many credentials per query; a node with more connected clients asks in batches. */
const BATCH = 5_000;

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/**
 * Reads the snapshot of every instance's `clients`, all instances at once: one query for the
 * users and one for the devices (per 5,000 credentials), whatever the number of instances.
 */
export async function readCredentialSnapshots(
  dataSource: DataSource,
  secrets: SecretBox,
  clientsByInstance: ReadonlyMap<string, readonly ConnectedClientInfo[]>,
): Promise<Map<string, CredentialSnapshot>> {
  const userPairs = new Map<string, { instanceId: string; userId: string }>();
  const devicePairs = new Map<string, { instanceId: string; clientId: string }>();
  for (const [instanceId, clients] of clientsByInstance) {
    for (const client of clients) {
      if (provedUser(client)) userPairs.set(`${instanceId}\u0000${client.credential.userId}`, { instanceId, userId: client.credential.userId });
      if (provedDevice(client)) devicePairs.set(`${instanceId}\u0000${client.credential.clientId}`, { instanceId, clientId: client.credential.clientId });
    }
  }
  const users = new PgBuiltInUserStore(dataSource);
  const deviceStore = new PgDeviceSecretStore(dataSource, secrets);
  const [userSets, deviceMaps] = await Promise.all([
    Promise.all(batches([...userPairs.values()]).map((batch) => users.existingAcross(batch))),
    Promise.all(batches([...devicePairs.values()]).map((batch) => deviceStore.findAcross(batch))),
  ]);
  const existingUsers = new Set(userSets.flatMap((set) => [...set]));
  const snapshots = new Map<string, CredentialSnapshot>();
  for (const [instanceId, clients] of clientsByInstance) {
    const userIds = new Set<string>();
    for (const client of clients) if (provedUser(client) && existingUsers.has(`${instanceId}\u0000${client.credential.userId}`)) userIds.add(client.credential.userId);
    const devices = new Map<string, { status: 'ENABLED' | 'DISABLED'; keyFingerprints: Record<DeviceKeySlot, string> }>();
    for (const found of deviceMaps) {
      for (const [clientId, record] of found.get(instanceId) ?? []) {
        devices.set(clientId, { status: record.status, keyFingerprints: { primary: deviceKeyFingerprint(record.primaryKey), secondary: deviceKeyFingerprint(record.secondaryKey) } });
      }
    }
    snapshots.set(instanceId, { users: userIds, devices });
  }
  return snapshots;
}

/**
 * Repairs a lost `credential-revoked` event: disconnects, as the live event would have (5.0:
 * DISCONNECT 0x87), the clients whose proved credential PostgreSQL no longer holds; returns how
 * many, by instance (only instances that lost clients). The credentials of all the instances
 * are read in one batch. Only the connections judged are touched: each authentication makes
 * its own credential object, so a client that reconnected during the queries (with a new key,
 * say) is not matched.
 */
export async function revalidateClients(brokers: ReadonlyMap<string, InstanceBroker>, dataSource: DataSource, secrets: SecretBox): Promise<Map<string, number>> {
  const clientsByInstance = new Map<string, ConnectedClientInfo[]>();
  for (const [instanceId, broker] of brokers) {
    const clients = broker.connectedClientInfos().filter((c) => provedUser(c) || provedDevice(c));
    if (clients.length > 0) clientsByInstance.set(instanceId, clients);
  }
  const counts = new Map<string, number>();
  if (clientsByInstance.size === 0) return counts;
  const snapshots = await readCredentialSnapshots(dataSource, secrets, clientsByInstance);
  for (const [instanceId, clients] of clientsByInstance) {
    const snapshot = snapshots.get(instanceId);
    if (!snapshot) continue;
    const revoked = new Set(clients.filter((c) => credentialRevoked(c, snapshot)).map((c) => c.credential));
    if (revoked.size === 0) continue;
    const count = brokers.get(instanceId)!.disconnectWhere((c) => c.credential !== undefined && revoked.has(c.credential), CONNACK_5.notAuthorized);
    if (count > 0) counts.set(instanceId, count);
  }
  return counts;
}
