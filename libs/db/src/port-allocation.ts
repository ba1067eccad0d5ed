import type { EntityManager } from 'typeorm';
import type { InstancePorts, PortRange } from '@mqc/domain';

/**
 * Gives an instance three listener ports, the lowest free ones of MQC_BROKER_PORTS, once (an
 * instance that has ports, as the caller read it, keeps them), in the caller's transaction. The ports are picked, taken
 * and recorded on the instance in one statement, in PostgreSQL: no list of the deployment's ports comes back. The
 * table lock makes concurrent allocations take turns; the primary key forbids a double
 * allocation anyway. Undefined when the range has fewer than three free ports (nothing written).
 */
export async function allocateInstancePorts(
  manager: EntityManager,
  instance: { id: string; mqttPort: number | null; mqttsPort: number | null; wsPort: number | null },
  range: PortRange,
): Promise<InstancePorts | undefined> {
  if (instance.mqttPort && instance.mqttsPort && instance.wsPort) return { mqtt: instance.mqttPort, mqtts: instance.mqttsPort, ws: instance.wsPort };
  const instanceId = instance.id;
  await manager.query('LOCK TABLE instance_ports IN EXCLUSIVE MODE');
  const [taken]: { ports: number[] | null }[] = await manager.query(
    `WITH free AS (
       SELECT p FROM generate_series($2::int, $3::int) AS p
        WHERE NOT EXISTS (SELECT 1 FROM instance_ports u WHERE u.port = p)
        ORDER BY p LIMIT 3
     ), taken AS (
       INSERT INTO instance_ports (port, instance_id) SELECT p, $1 FROM free WHERE (SELECT count(*) FROM free) = 3 RETURNING port
     ), picked AS (
       SELECT array_agg(port ORDER BY port) AS ports FROM taken
     ), recorded AS (
       UPDATE instances SET mqtt_port = picked.ports[1], mqtts_port = picked.ports[2], ws_port = picked.ports[3], updated_at = now(), version = version + 1
         FROM picked WHERE id = $1 AND cardinality(picked.ports) = 3
     )
     SELECT ports FROM picked`,
    [instanceId, range.first, range.last],
  );
  if (taken?.ports?.length !== 3) return undefined;
  const [mqtt, mqtts, ws] = taken.ports as [number, number, number];
  return { mqtt, mqtts, ws };
}

/** Frees an instance's listener ports (deleted, or moved to the shared endpoint only), in the caller's transaction. */
export async function releaseInstancePorts(manager: EntityManager, instanceId: string): Promise<void> {
  await manager.query('DELETE FROM instance_ports WHERE instance_id = $1', [instanceId]);
  await manager.query('UPDATE instances SET mqtt_port = NULL, mqtts_port = NULL, ws_port = NULL, updated_at = now(), version = version + 1 WHERE id = $1 AND mqtt_port IS NOT NULL', [instanceId]);
}
