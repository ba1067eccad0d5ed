import { X509Certificate } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ClientCertificate } from '@mqc/auth';
import type { RegisteredDeviceCertificate, X509Lookup, X509Store } from '@mqc/auth-drivers';
import { DEFAULT_X509_SETTINGS, type CaCertificateStatus, type DeviceCertificateStatus, type X509Mode, type X509Provisioning } from '@mqc/domain';
import { EDITIONS, type EditionName } from '@mqc/editions';

interface LookupRow {
  mode: X509Mode | null;
  provisioning: X509Provisioning | null;
  auto_activate: boolean | null;
  client_id: string | null;
  status: DeviceCertificateStatus | null;
  fingerprint256: string | null;
  ca_id: string | null;
  ca_status: CaCertificateStatus | null;
  auto_registration: boolean | null;
}

interface EntryRow {
  client_id: string;
  status: DeviceCertificateStatus;
  fingerprint256: string;
}

/** The device certificate registry for the x509 authenticator: one indexed query per CONNECT. */
export class PgX509Store implements X509Store {
  constructor(private readonly dataSource: DataSource) {}

  async lookup(instanceId: string, certificate: ClientCertificate): Promise<X509Lookup> {
    const rows: LookupRow[] = await this.dataSource.query(
      `SELECT s.mode, s.provisioning, s.auto_activate, d.client_id, d.status, d.fingerprint256,
              c.id AS ca_id, c.status AS ca_status, c.auto_registration
         FROM (SELECT $1::uuid AS id) i
         LEFT JOIN instance_x509_settings s ON s.instance_id = i.id
         LEFT JOIN device_certificates d ON d.instance_id = i.id AND d.serial_number = $2
         LEFT JOIN ca_certificates c ON c.instance_id = i.id AND c.fingerprint256 = $3`,
      [instanceId, certificate.serialNumber, certificate.issuerFingerprint256 ?? ''],
    );
    const row = rows[0];
    const lookup: X509Lookup = {
      mode: row?.mode ?? DEFAULT_X509_SETTINGS.mode,
      provisioning: row?.provisioning ?? DEFAULT_X509_SETTINGS.provisioning,
      autoActivate: row?.auto_activate ?? DEFAULT_X509_SETTINGS.autoActivate,
    };
    if (row?.client_id && row.status && row.fingerprint256) lookup.registered = { clientId: row.client_id, status: row.status, fingerprint256: row.fingerprint256 };
    if (row?.ca_id && row.ca_status) lookup.issuingCa = { id: row.ca_id, status: row.ca_status, autoRegistration: row.auto_registration ?? false };
    return lookup;
  }

  async registerJustInTime(
    instanceId: string,
    certificate: ClientCertificate,
    o: { caCertificateId: string; status: DeviceCertificateStatus },
  ): Promise<RegisteredDeviceCertificate | undefined> {
    if (certificate.pem === undefined) throw new Error('just-in-time registration needs the certificate PEM');
    const x509 = new X509Certificate(certificate.pem);
    const editions: { edition: EditionName }[] = await this.dataSource.query('SELECT edition FROM instances WHERE id = $1', [instanceId]);
    const quota = EDITIONS[editions[0]?.edition ?? 'basic'].quotas.deviceCertificates;
    // The quota check and the insert are one statement; a certificate already there (another
    // first connect won the race, or a different one shares its serial) is left as it is.
    await this.dataSource.query(
      `INSERT INTO device_certificates
         (instance_id, ca_certificate_id, client_id, serial_number, fingerprint256, certificate_pem, subject, not_before, not_after, status, origin)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'JITP'
        WHERE (SELECT count(*) FROM device_certificates WHERE instance_id = $1) < $11
       ON CONFLICT DO NOTHING`,
      [
        instanceId,
        o.caCertificateId,
        certificate.commonName,
        certificate.serialNumber,
        certificate.fingerprint256,
        certificate.pem,
        certificate.subject,
        new Date(x509.validFrom),
        new Date(x509.validTo),
        o.status,
        quota,
      ],
    );
    const rows: EntryRow[] = await this.dataSource.query(
      'SELECT client_id, status, fingerprint256 FROM device_certificates WHERE instance_id = $1 AND (serial_number = $2 OR fingerprint256 = $3) ORDER BY (fingerprint256 = $3) DESC LIMIT 1',
      [instanceId, certificate.serialNumber, certificate.fingerprint256],
    );
    const row = rows[0];
    return row ? { clientId: row.client_id, status: row.status, fingerprint256: row.fingerprint256 } : undefined;
  }
}
