import type { DataSource } from 'typeorm';
import type { DeviceSecretRecord, DeviceSecretStore } from '@mqc/auth-drivers';
import { SECRET_CONTEXT, type DeviceKeySlot, type SecretBox } from '@mqc/domain';

interface DeviceRow {
  id: string;
  client_id: string;
  status: 'ENABLED' | 'DISABLED';
  primary_key_sealed: string;
  secondary_key_sealed: string;
}

const COLUMNS = 'id, client_id, status, primary_key_sealed, secondary_key_sealed';

/** The device identity registry, read per CONNECT; keys are opened only here, in memory. */
export class PgDeviceSecretStore implements DeviceSecretStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  async find(instanceId: string, clientId: string): Promise<DeviceSecretRecord | undefined> {
    const rows: DeviceRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM devices WHERE instance_id = $1 AND client_id = $2`, [instanceId, clientId]);
    const row = rows[0];
    return row && this.record(row);
  }

  /** The devices of `clientIds` that still exist, by client id: one query for every connected client of an instance. */
  async findMany(instanceId: string, clientIds: readonly string[]): Promise<Map<string, DeviceSecretRecord>> {
    if (clientIds.length === 0) return new Map();
    const rows: DeviceRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM devices WHERE instance_id = $1 AND client_id = ANY($2::text[])`, [instanceId, clientIds]);
    return new Map(rows.map((row) => [row.client_id, this.record(row)]));
  }

  private record(row: DeviceRow): DeviceSecretRecord {
    const open = (sealed: string, which: DeviceKeySlot) => Buffer.from(this.secrets.openText(sealed, SECRET_CONTEXT.deviceKey(row.id, which)), 'base64');
    return { clientId: row.client_id, status: row.status, primaryKey: open(row.primary_key_sealed, 'primary'), secondaryKey: open(row.secondary_key_sealed, 'secondary') };
  }
}
