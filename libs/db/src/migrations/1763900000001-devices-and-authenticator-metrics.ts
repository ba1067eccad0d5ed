import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The device identity registry (SPEC 4.5) and per-node authenticator counters (SPEC 4). */
export class DevicesAndAuthenticatorMetrics1763900000001 implements MigrationInterface {
  name = 'DevicesAndAuthenticatorMetrics1763900000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE devices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        client_id text NOT NULL,
        status text NOT NULL DEFAULT 'ENABLED' CHECK (status IN ('ENABLED', 'DISABLED')),
        primary_key_sealed text NOT NULL,
        secondary_key_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (instance_id, client_id)
      )`);
    // The broker adds its deltas: INSERT … ON CONFLICT (authenticator_id, node_id) DO UPDATE SET total = total + EXCLUDED.total, …
    await db.query(`
      CREATE TABLE authenticator_metrics (
        authenticator_id uuid NOT NULL REFERENCES authenticators(id) ON DELETE CASCADE,
        node_id uuid NOT NULL REFERENCES broker_nodes(id) ON DELETE CASCADE,
        total bigint NOT NULL DEFAULT 0,
        allow bigint NOT NULL DEFAULT 0,
        deny bigint NOT NULL DEFAULT 0,
        ignore bigint NOT NULL DEFAULT 0,
        error bigint NOT NULL DEFAULT 0,
        latency_ms_sum double precision NOT NULL DEFAULT 0,
        latency_ms_max double precision NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (authenticator_id, node_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE authenticator_metrics`);
    await db.query(`DROP TABLE devices`);
  }
}
