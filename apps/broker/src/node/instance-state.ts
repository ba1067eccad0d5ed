import type { DataSource } from 'typeorm';
import { InstanceEntity } from '@mqc/db';
import type { X509Mode } from '@mqc/domain';
import { AUTHORIZATION_FINGERPRINT_SQL } from '../connect/load-authorization';
import { CHAIN_FINGERPRINT_SQL } from '../connect/load-chain';
import { TLS_FINGERPRINT_SQL, type MaterialRow } from '../listeners/tls-material';

/** An instance row with the fingerprints of what its host loads (chain, TLS, authorization), read in one statement. */
export interface InstanceState {
  instance: InstanceEntity;
  fingerprints: { chain: string | undefined; tls: string | undefined; authorization: string | undefined };
  /** What the TLS material is read from (the X.509 mode with the row). */
  tlsRow: MaterialRow;
}

interface StateRaw {
  chain_fingerprint: string | null;
  tls_fingerprint: string | null;
  authorization_fingerprint: string | null;
  x509_mode: X509Mode | null;
}

/**
 * One query for what the supervisor needs to decide about an instance and to open its host: the
 * row and the three fingerprints, from one snapshot, so the loaders given them read only the
 * rows they build from (read after the fingerprints, as each loader does on its own).
 * Undefined when the instance is gone.
 */
export async function readInstanceState(dataSource: DataSource, instanceId: string): Promise<InstanceState | undefined> {
  const { entities, raw } = await dataSource
    .getRepository(InstanceEntity)
    .createQueryBuilder('i')
    .addSelect('i.serverKeySealed')
    .addSelect(CHAIN_FINGERPRINT_SQL, 'chain_fingerprint')
    .addSelect(TLS_FINGERPRINT_SQL, 'tls_fingerprint')
    .addSelect(AUTHORIZATION_FINGERPRINT_SQL, 'authorization_fingerprint')
    .addSelect('(SELECT s.mode FROM instance_x509_settings s WHERE s.instance_id = i.id)', 'x509_mode')
    .where('i.id = :instanceId', { instanceId })
    .getRawAndEntities<StateRaw>();
  const instance = entities[0];
  const row = raw[0];
  if (!instance || !row) return undefined;
  return {
    instance,
    fingerprints: { chain: row.chain_fingerprint ?? undefined, tls: row.tls_fingerprint ?? undefined, authorization: row.authorization_fingerprint ?? undefined },
    tlsRow: { edition: instance.edition, server_cert_pem: instance.serverCertPem, server_key_sealed: instance.serverKeySealed, ca_cert_pem: instance.caCertPem, mode: row.x509_mode },
  };
}
