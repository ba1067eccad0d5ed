import type { EntityManager } from 'typeorm';

/**
 * A node heartbeats every 2 s; one that has not for this long (three beats missed) is dead:
 * it takes no new instances, and the worker's fail-over job moves the ones it had.
 */
export const NODE_DEAD_MS = 6_000;

/** The instances a node keeps serving (SQL of `nodeServes`): a served status, or FAILED because its listeners could not open. */
const SERVED = `(i.status IN ('PROVISIONING', 'RUNNING', 'UPDATING') OR (i.status = 'FAILED' AND i.listeners_failed))`;

export interface NodeLoad {
  id: string;
  instances: number;
}

/** The live, non-draining nodes with the instances placed on each, least loaded first (ties by id). */
export async function liveNodesByLoad(manager: EntityManager): Promise<NodeLoad[]> {
  const rows: { id: string; instances: string }[] = await manager.query(
    `SELECT n.id, count(i.id) AS instances FROM broker_nodes n
       LEFT JOIN instances i ON i.node_id = n.id AND ${SERVED}
      WHERE n.last_seen_at > now() - ($1 || ' milliseconds')::interval AND NOT n.draining
      GROUP BY n.id ORDER BY count(i.id), n.id`,
    [String(NODE_DEAD_MS)],
  );
  return rows.map((row) => ({ id: row.id, instances: Number(row.instances) }));
}

/** Whether the node heartbeated within NODE_DEAD_MS. */
export async function nodeIsLive(manager: EntityManager, nodeId: string): Promise<boolean> {
  const rows: unknown[] = await manager.query(`SELECT 1 FROM broker_nodes WHERE id = $1 AND last_seen_at > now() - ($2 || ' milliseconds')::interval`, [
    nodeId,
    String(NODE_DEAD_MS),
  ]);
  return rows.length > 0;
}

/** Dead nodes that still have instances placed on them. */
export async function deadNodesWithInstances(manager: EntityManager): Promise<string[]> {
  const rows: { id: string }[] = await manager.query(
    `SELECT DISTINCT n.id FROM broker_nodes n JOIN instances i ON i.node_id = n.id AND ${SERVED}
      WHERE n.last_seen_at <= now() - ($1 || ' milliseconds')::interval`,
    [String(NODE_DEAD_MS)],
  );
  return rows.map((row) => row.id);
}

export interface Relocation {
  instanceId: string;
  from: string;
  to: string;
}

/**
 * Places every instance of `fromNodeId` on the least loaded live node (counting the ones placed
 * in this call). Each move is conditional on the instance still being on `fromNodeId`, so when
 * several workers (or the draining node and a worker) run this at once, an instance moves once:
 * the later UPDATE waits for the earlier one's row lock, then finds the row moved and changes
 * nothing. Without a live node the instances stay where they are, and wait.
 */
export async function relocateInstances(manager: EntityManager, fromNodeId: string): Promise<Relocation[]> {
  const instances: { id: string }[] = await manager.query(`SELECT i.id FROM instances i WHERE i.node_id = $1 AND ${SERVED} ORDER BY i.id`, [fromNodeId]);
  if (instances.length === 0) return [];
  const nodes = (await liveNodesByLoad(manager)).filter((node) => node.id !== fromNodeId);
  const moved: Relocation[] = [];
  for (const { id } of instances) {
    const target = nodes.reduce<NodeLoad | undefined>((least, node) => (!least || node.instances < least.instances ? node : least), undefined);
    if (!target) break;
    // serving_at is the new node's to set once it serves the instance.
    const [, affected]: [unknown, number] = await manager.query(`UPDATE instances SET node_id = $2, serving_at = NULL WHERE id = $1 AND node_id = $3`, [id, target.id, fromNodeId]);
    if (!affected) continue;
    target.instances++;
    moved.push({ instanceId: id, from: fromNodeId, to: target.id });
  }
  return moved;
}
