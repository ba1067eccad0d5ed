import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC 4.2: per-instance X.509 settings, registration codes, registered (tenant) CAs, the
 * device certificate registry, certificate-issuing jobs and the instance CA's CRL.
 */
export class X509_1764500000007 implements MigrationInterface {
  name = 'X509_1764500000007';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE instance_x509_settings (
        instance_id uuid PRIMARY KEY REFERENCES instances(id) ON DELETE CASCADE,
        mode text NOT NULL DEFAULT 'TLS' CHECK (mode IN ('TLS', 'mTLS', 'BYOC')),
        provisioning text NOT NULL DEFAULT 'API' CHECK (provisioning IN ('API', 'JITP')),
        auto_activate boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE ca_registration_codes (
        code text PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX ca_registration_codes_instance ON ca_registration_codes (instance_id)`);
    await db.query(`
      CREATE TABLE ca_certificates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        certificate_pem text NOT NULL,
        subject text NOT NULL,
        common_name text,
        serial_number text NOT NULL,
        fingerprint256 text NOT NULL,
        not_before timestamptz NOT NULL,
        not_after timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'INACTIVE')),
        auto_registration boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (instance_id, fingerprint256)
      )`);
    await db.query(`
      CREATE TABLE certificate_jobs (
        id text PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        request_digest text NOT NULL,
        request jsonb NOT NULL,
        total int NOT NULL,
        issued int NOT NULL DEFAULT 0,
        status text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
        failed_reason text,
        attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await db.query(`CREATE INDEX certificate_jobs_tenant ON certificate_jobs (tenant_id, created_at)`);
    await db.query(`
      CREATE TABLE device_certificates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        ca_certificate_id uuid REFERENCES ca_certificates(id) ON DELETE CASCADE,
        client_id text NOT NULL,
        serial_number text NOT NULL,
        fingerprint256 text NOT NULL,
        certificate_pem text NOT NULL,
        subject text NOT NULL,
        not_before timestamptz NOT NULL,
        not_after timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_ACTIVATION')),
        origin text NOT NULL CHECK (origin IN ('API', 'JITP', 'ISSUED')),
        revoked_at timestamptz,
        job_id text REFERENCES certificate_jobs(id) ON DELETE SET NULL,
        job_item int,
        private_key_sealed text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (instance_id, serial_number),
        UNIQUE (instance_id, fingerprint256),
        UNIQUE (job_id, job_item)
      )`);
    await db.query(`CREATE INDEX device_certificates_ca ON device_certificates (ca_certificate_id)`);
    await db.query(`CREATE INDEX device_certificates_revoked ON device_certificates (instance_id) WHERE status = 'REVOKED'`);
    await db.query(`
      CREATE TABLE instance_crls (
        instance_id uuid PRIMARY KEY REFERENCES instances(id) ON DELETE CASCADE,
        crl_number bigint NOT NULL,
        crl_pem text NOT NULL,
        this_update timestamptz NOT NULL,
        next_update timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['instance_crls', 'device_certificates', 'certificate_jobs', 'ca_certificates', 'ca_registration_codes', 'instance_x509_settings']) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
