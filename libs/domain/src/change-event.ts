/**
 * What the control plane and the worker announce on Redis so that every broker node applies
 * it within a second. Events name what changed; nodes read the new state from the database.
 */
export type ChangeEvent =
  /** Placement, status, edition or listener settings of an instance changed. */
  | { kind: 'instance'; instanceId: string }
  /** The chain (order, config, enabled) or the access policy changed. */
  | { kind: 'chain'; instanceId: string }
  /** The authorization chain, its rules or the authorization policy changed. */
  | { kind: 'authorization'; instanceId: string }
  /** A credential was removed, disabled or replaced: clients that used it must go. */
  | { kind: 'credential-revoked'; instanceId: string; credential: RevokedCredential }
  /** A built-in user, device or other credential was added or changed (caches drop it). */
  | { kind: 'credential-changed'; instanceId: string; credential: RevokedCredential };

export type RevokedCredential =
  | { type: 'user'; userIdType: 'username' | 'clientid'; userId: string }
  /** `keySlot`: only that key was replaced, so only clients it verified are affected; absent: the whole device. */
  | { type: 'device'; clientId: string; keySlot?: DeviceKeySlot }
  | { type: 'certificate'; serial: string };

/** A device's two keys (SPEC 4.5): either may sign a token, so keys rotate without downtime. */
export type DeviceKeySlot = 'primary' | 'secondary';

export function isChangeEvent(value: unknown): value is ChangeEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as { kind?: unknown; instanceId?: unknown };
  return (
    typeof event.instanceId === 'string' &&
    (event.kind === 'instance' || event.kind === 'chain' || event.kind === 'authorization' || event.kind === 'credential-revoked' || event.kind === 'credential-changed')
  );
}
