import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Authorization (issue 13): an ordered chain of authorizers per instance beside the
 * authentication chain, the built-in ACL rules, per-authorizer metrics, and the instance's
 * authorization policy. Instances that exist when this runs keep working (`no_match` allow);
 * new ones deny what no rule allows.
 */
export class Authorization1764700000000 implements MigrationInterface {
  name = 'Authorization1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE authorizers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        type text NOT NULL,
        config jsonb NOT NULL,
        secrets_sealed text,
        enabled boolean NOT NULL DEFAULT true,
        position int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX authorizers_instance ON authorizers (instance_id, position)');
    await db.query(`
      CREATE TABLE acl_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        position int NOT NULL,
        permission text NOT NULL CHECK (permission IN ('allow', 'deny')),
        action text NOT NULL CHECK (action IN ('publish', 'subscribe', 'all')),
        topic text NOT NULL,
        qos smallint[],
        retain boolean,
        client_id text,
        username text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX acl_rules_instance ON acl_rules (instance_id, position)');
    await db.query(`
      CREATE TABLE authorizer_metrics (
        authorizer_id uuid NOT NULL REFERENCES authorizers(id) ON DELETE CASCADE,
        node_id uuid NOT NULL REFERENCES broker_nodes(id) ON DELETE CASCADE,
        total bigint NOT NULL DEFAULT 0,
        allow bigint NOT NULL DEFAULT 0,
        deny bigint NOT NULL DEFAULT 0,
        no_match bigint NOT NULL DEFAULT 0,
        error bigint NOT NULL DEFAULT 0,
        cache_hits bigint NOT NULL DEFAULT 0,
        latency_ms_sum double precision NOT NULL DEFAULT 0,
        latency_ms_max double precision NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (authorizer_id, node_id)
      )`);
    // Existing instances allow what no rule decides, so nothing breaks; new ones deny.
    await db.query(`ALTER TABLE instances ADD COLUMN authorization_no_match text NOT NULL DEFAULT 'allow' CHECK (authorization_no_match IN ('allow', 'deny'))`);
    await db.query(`ALTER TABLE instances ALTER COLUMN authorization_no_match SET DEFAULT 'deny'`);
    await db.query(`ALTER TABLE instances ADD COLUMN authorization_deny_action text NOT NULL DEFAULT 'ignore' CHECK (authorization_deny_action IN ('ignore', 'disconnect'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE instances DROP COLUMN authorization_deny_action');
    await db.query('ALTER TABLE instances DROP COLUMN authorization_no_match');
    await db.query('DROP TABLE authorizer_metrics');
    await db.query('DROP TABLE acl_rules');
    await db.query('DROP TABLE authorizers');
  }
}
