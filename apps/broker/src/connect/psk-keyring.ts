import type { DataSource } from 'typeorm';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';

/**
 * An instance's TLS-PSK keys in memory: Node asks for a key synchronously during the
 * handshake, so the keys are loaded with the chain (and on every chain event) instead of
 * per connection. Replaced whole on reload.
 */
/** Shared by every instance without identities (issue 16: no map per instance). */
const NO_KEYS: ReadonlyMap<string, Buffer> = new Map();

export class PskKeyring {
  private keys: ReadonlyMap<string, Buffer> = NO_KEYS;

  get(identity: string): Buffer | undefined {
    return this.keys.get(identity);
  }

  /** The TLS site's PskOptions: an identity's key. */
  key(identity: string): Buffer | undefined {
    return this.keys.get(identity);
  }

  /** The TLS site's PskOptions: PSK is offered while there are identities. */
  enabled(): boolean {
    return this.keys.size > 0;
  }

  has(identity: string): boolean {
    return this.keys.has(identity);
  }

  get size(): number {
    return this.keys.size;
  }

  /** Replaces the keys; the answer tells whether an identity's key is now gone or different. */
  replace(keys: ReadonlyMap<string, Buffer>): (identity: string) => boolean {
    const before = this.keys;
    this.keys = keys.size === 0 ? NO_KEYS : keys;
    return (identity) => {
      const now = keys.get(identity);
      const then = before.get(identity);
      return now === undefined || then === undefined || !now.equals(then);
    };
  }
}

/** The instance's registry of PSK identities, keys opened (SPEC 4.6). */
export async function loadPskKeys(dataSource: DataSource, secrets: SecretBox, instanceId: string): Promise<Map<string, Buffer>> {
  const rows: { id: string; identity: string; key_sealed: string }[] = await dataSource.query('SELECT id, identity, key_sealed FROM psk_identities WHERE instance_id = $1', [instanceId]);
  return new Map(rows.map((row) => [row.identity, Buffer.from(secrets.openText(row.key_sealed, SECRET_CONTEXT.pskKey(row.id)), 'hex')]));
}
