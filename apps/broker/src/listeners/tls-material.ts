import type { DataSource } from 'typeorm';
import type { InstanceEntity } from '@mqc/db';
import { DEFAULT_X509_SETTINGS, SECRET_CONTEXT, type SecretBox, type X509Mode } from '@mqc/domain';
import { editionAllows } from '@mqc/editions';
import type { Logger } from '@mqc/observability';
import type { ServerTlsMaterial } from './tls-listener';

export interface MaterialRow {
  edition: InstanceEntity['edition'];
  server_cert_pem: string | null;
  server_key_sealed: string | null;
  ca_cert_pem: string | null;
  mode: X509Mode | null;
}

/**
 * TLS listener material and the fingerprint of what it was read from (see tlsFingerprint),
 * read before it: a change in between shows as a different fingerprint at the next resync.
 */
export interface LoadedTlsMaterial {
  material: ServerTlsMaterial;
  fingerprint: string | undefined;
}

/**
 * An instance's TLS listener material from the database: the server certificate (key opened
 * here, in memory only), the X.509 mode and the ACTIVE registered CAs. The edition gate is
 * applied again (defence in depth): without one device one certificate, registered CAs are
 * not trusted and BYOC acts as mTLS with the instance CA.
 */
export async function loadTlsMaterial(dataSource: DataSource, secrets: SecretBox, instanceId: string, logger: Logger, known?: { row: MaterialRow; fingerprint: string | undefined }): Promise<LoadedTlsMaterial> {
  // `known`: the row and the fingerprint, read together by the caller (instance-state.ts).
  const fingerprint = known ? known.fingerprint : await tlsFingerprint(dataSource, instanceId);
  const rows: MaterialRow[] = known
    ? [known.row]
    : await dataSource.query(
        `SELECT i.edition, i.server_cert_pem, i.server_key_sealed, i.ca_cert_pem, s.mode
           FROM instances i LEFT JOIN instance_x509_settings s ON s.instance_id = i.id
          WHERE i.id = $1`,
        [instanceId],
      );
  const row = rows[0];
  if (!row?.server_cert_pem || !row.server_key_sealed || !row.ca_cert_pem) throw new Error(`instance ${instanceId} has no server certificate yet`);
  const byoc = editionAllows(row.edition, 'x509-device-certificate');
  const mode = row.mode ?? DEFAULT_X509_SETTINGS.mode;
  if (mode === 'BYOC' && !byoc) logger.warn({ instanceId, edition: row.edition }, 'BYOC is not in the edition: registered CAs are not trusted');
  const cas: { certificate_pem: string }[] = byoc
    ? await dataSource.query(`SELECT certificate_pem FROM ca_certificates WHERE instance_id = $1 AND status = 'ACTIVE' ORDER BY created_at, id`, [instanceId])
    : [];
  const material = {
    certPem: row.server_cert_pem,
    keyPem: secrets.openText(row.server_key_sealed, SECRET_CONTEXT.instanceServerKey(instanceId)),
    caPem: row.ca_cert_pem,
    mode,
    registeredCaPems: cas.map((c) => c.certificate_pem),
  };
  return { material, fingerprint };
}

/** tlsFingerprint's expression over the instance row `i` (instance-state.ts reads it with the row). */
export const TLS_FINGERPRINT_SQL = `md5(concat_ws('|', i.edition, md5(coalesce(i.server_cert_pem, '')), coalesce((SELECT s.mode FROM instance_x509_settings s WHERE s.instance_id = i.id), ''),
              (SELECT string_agg(c.fingerprint256, ',' ORDER BY c.fingerprint256) FROM ca_certificates c WHERE c.instance_id = i.id AND c.status = 'ACTIVE')))`;

/**
 * A digest of what loadTlsMaterial reads (server certificate, mode, edition, ACTIVE registered
 * CAs): the periodic resync reapplies the material when it changed and the change event was lost.
 */
export async function tlsFingerprint(dataSource: DataSource, instanceId: string): Promise<string | undefined> {
  const rows: { fingerprint: string }[] = await dataSource.query(`SELECT ${TLS_FINGERPRINT_SQL} AS fingerprint FROM instances i WHERE i.id = $1`, [instanceId]);
  return rows[0]?.fingerprint;
}

/** tlsFingerprint of many instances in one query (the full sweep), by instance id. */
export async function tlsFingerprints(dataSource: DataSource, instanceIds: readonly string[]): Promise<Map<string, string>> {
  if (instanceIds.length === 0) return new Map();
  const rows: { id: string; fingerprint: string }[] = await dataSource.query(`SELECT i.id, ${TLS_FINGERPRINT_SQL} AS fingerprint FROM instances i WHERE i.id = ANY($1::uuid[])`, [instanceIds]);
  return new Map(rows.map((row) => [row.id, row.fingerprint]));
}
