import type { DataSource } from 'typeorm';
import type { ScramAlgorithm } from '@mqc/auth';
import type { ScramCredentialStore, ScramUserRecord } from '@mqc/auth-drivers';

interface ScramRow {
  salt: Buffer;
  iterations: number;
  stored_key: Buffer;
  server_key: Buffer;
  is_superuser: boolean;
}

/** The broker's read path to the built-in users' SCRAM keys: one indexed lookup per exchange. */
export class PgScramCredentialStore implements ScramCredentialStore {
  constructor(private readonly dataSource: DataSource) {}

  async find(instanceId: string, userId: string, algorithm: ScramAlgorithm): Promise<ScramUserRecord | undefined> {
    const rows: ScramRow[] = await this.dataSource.query(
      `SELECT c.salt, c.iterations, c.stored_key, c.server_key, u.is_superuser
         FROM built_in_users u JOIN scram_credentials c ON c.built_in_user_id = u.id AND c.algorithm = $3
        WHERE u.instance_id = $1 AND u.user_id = $2`,
      [instanceId, userId, algorithm],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      credential: { algorithm, salt: row.salt, iterations: row.iterations, storedKey: row.stored_key, serverKey: row.server_key },
      isSuperuser: row.is_superuser,
    };
  }
}
