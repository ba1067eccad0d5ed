import type { EntityManager } from 'typeorm';
import type { InstancePorts, PortRange } from '@mqc/domain';

/**
 * Gives an instance three listener ports, the lowest free ones of MQC_BROKER_PORTS, once (an
 * instance that has ports keeps them), in the caller's transaction. The ports are picked and
 * taken in one statement, in PostgreSQL: no list of the deployment's ports comes back. The
 * table lock makes concurrent allocations take turns; the primary key forbids a double
 * allocation anyway. Undefined when the range has fewer than three free ports (nothing written).
 */
export async function allocateInstancePorts(manager: EntityManager, instanceId: string, range: PortRange): Promise<InstancePorts | undefined> {
  const [held]: { ports: number[] | null }[] = await manager.query(
    `SELECT array_agg(p ORDER BY p) AS ports FROM (SELECT unnest(ARRAY[mqtt_port, mqtts_port, ws_port]) AS p FROM instances WHERE id = $1) held WHERE p IS NOT NULL`,
    [instanceId],
  );
  if (held?.ports?.length === 3) {
    const [mqtt, mqtts, ws] = held.ports as [number, number, number];
    return { mqtt, mqtts, ws };
  }
  await manager.query('LOCK TABLE instance_ports IN EXCLUSIVE MODE');
  const [taken]: { ports: number[] | null }[] = await manager.query(
    `WITH free AS (
       SELECT p FROM generate_series($2::int, $3::int) AS p
        WHERE NOT EXISTS (SELECT 1 FROM instance_ports u WHERE u.port = p)
        ORDER BY p LIMIT 3
     ), taken AS (
       INSERT INTO instance_ports (port, instance_id) SELECT p, $1 FROM free WHERE (SELECT count(*) FROM free) = 3 RETURNING port
     )
     SELECT array_agg(port ORDER BY port) AS ports FROM taken`,
    [instanceId, range.first, range.last],
  );
  if (taken?.ports?.length !== 3) return undefined;
  const [mqtt, mqtts, ws] = taken.ports as [number, number, number];
  await manager.query('UPDATE instances SET mqtt_port = $2, mqtts_port = $3, ws_port = $4, updated_at = now(), version = version + 1 WHERE id = $1', [instanceId, mqtt, mqtts, ws]);
  return { mqtt, mqtts, ws };
}

/** Frees an instance's listener ports (deleted, or moved to the shared endpoint only), in the caller's transaction. */
export async function releaseInstancePorts(manager: EntityManager, instanceId: string): Promise<void> {
  await manager.query('DELETE FROM instance_ports WHERE instance_id = $1', [instanceId]);
  await manager.query('UPDATE instances SET mqtt_port = NULL, mqtts_port = NULL, ws_port = NULL, updated_at = now(), version = version + 1 WHERE id = $1 AND mqtt_port IS NOT NULL', [instanceId]);
}
