import type { EntityManager } from 'typeorm';
import { InstanceEntity, liveNodesByLoad } from '@mqc/db';

/**
 * Places the instance on the live, non-draining node that serves the fewest instances, writing
 * `columns` (what provisioning made for it) in the same statement; an instance placed already
 * stays where it is.
 */
export async function placeOnNode(manager: EntityManager, instance: InstanceEntity, columns: Partial<InstanceEntity> = {}): Promise<string> {
  let nodeId = instance.nodeId;
  if (!nodeId) {
    const node = (await liveNodesByLoad(manager))[0];
    if (!node) throw new Error('no broker node is online to place the instance on');
    nodeId = node.id;
  }
  if (nodeId !== instance.nodeId || Object.keys(columns).length > 0) await manager.update(InstanceEntity, { id: instance.id }, { ...columns, nodeId });
  return nodeId;
}
