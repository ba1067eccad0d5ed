import type { EntityManager } from 'typeorm';
import { BrokerNodeEntity, InstanceEntity } from '@mqc/db';

/** Nodes that heartbeated this recently can take instances. */
export const NODE_ALIVE_MS = 15_000;

/** Places the instance on the live, non-draining node that serves the fewest instances. */
export async function placeOnNode(manager: EntityManager, instance: InstanceEntity): Promise<string> {
  if (instance.nodeId) return instance.nodeId;
  const rows: { id: string }[] = await manager.query(
    `SELECT n.id FROM broker_nodes n
       LEFT JOIN instances i ON i.node_id = n.id AND i.status IN ('PROVISIONING', 'RUNNING', 'UPDATING')
      WHERE n.last_seen_at > now() - ($1 || ' milliseconds')::interval AND NOT n.draining
      GROUP BY n.id ORDER BY count(i.id), n.id LIMIT 1`,
    [String(NODE_ALIVE_MS)],
  );
  const node = rows[0];
  if (!node) throw new Error('no broker node is online to place the instance on');
  await manager.update(InstanceEntity, { id: instance.id }, { nodeId: node.id });
  return node.id;
}

export async function liveNodeExists(manager: EntityManager, nodeId: string): Promise<boolean> {
  const node = await manager.findOneBy(BrokerNodeEntity, { id: nodeId });
  return !!node && Date.now() - node.lastSeenAt.getTime() < NODE_ALIVE_MS;
}
