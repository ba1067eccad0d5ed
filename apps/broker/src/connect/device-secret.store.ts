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

  /**
   * The devices of these (instance, client id) pairs that still exist, by instance and client
   * id: one query for the connected clients of many instances (a resync's credential check).
   */
  async findAcross(pairs: readonly { instanceId: string; clientId: string }[]): Promise<Map<string, Map<string, DeviceSecretRecord>>> {
    const found = new Map<string, Map<string, DeviceSecretRecord>>();
    if (pairs.length === 0) return found;
    const rows: (DeviceRow & { instance_id: string })[] = await this.dataSource.query(
      `SELECT d.instance_id, ${COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')} FROM devices d
         JOIN unnest($1::uuid[], $2::text[]) AS wanted(instance_id, client_id) USING (instance_id, client_id)`,
      [pairs.map((p) => p.instanceId), pairs.map((p) => p.clientId)],
    );
    for (const row of rows) {
      let devices = found.get(row.instance_id);
      if (!devices) found.set(row.instance_id, (devices = new Map()));
      devices.set(row.client_id, this.record(row));
    }
    return found;
  }

  private record(row: DeviceRow): DeviceSecretRecord {
    const open = (sealed: string, which: DeviceKeySlot) => Buffer.from(this.secrets.openText(sealed, SECRET_CONTEXT.deviceKey(row.id, which)), 'base64');
    return { clientId: row.client_id, status: row.status, primaryKey: open(row.primary_key_sealed, 'primary'), secondaryKey: open(row.secondary_key_sealed, 'secondary') };
  }
}
