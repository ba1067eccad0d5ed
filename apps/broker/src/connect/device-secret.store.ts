import type { DataSource } from 'typeorm';
import type { DeviceSecretRecord, DeviceSecretStore } from '@mqc/auth';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';

interface DeviceRow {
  id: string;
  client_id: string;
  status: 'ENABLED' | 'DISABLED';
  primary_key_sealed: string;
  secondary_key_sealed: string;
}

/** The device identity registry, read per CONNECT; keys are opened only here, in memory. */
export class PgDeviceSecretStore implements DeviceSecretStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  async find(instanceId: string, clientId: string): Promise<DeviceSecretRecord | undefined> {
    const rows: DeviceRow[] = await this.dataSource.query(
      'SELECT id, client_id, status, primary_key_sealed, secondary_key_sealed FROM devices WHERE instance_id = $1 AND client_id = $2',
      [instanceId, clientId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const open = (sealed: string, which: 'primary' | 'secondary') => Buffer.from(this.secrets.openText(sealed, SECRET_CONTEXT.deviceKey(row.id, which)), 'base64');
    return { clientId: row.client_id, status: row.status, primaryKey: open(row.primary_key_sealed, 'primary'), secondaryKey: open(row.secondary_key_sealed, 'secondary') };
  }
}
