import type { EntityManager } from 'typeorm';
import { InstanceEntity, liveNodesByLoad } from '@mqc/db';

/** Places the instance on the live, non-draining node that serves the fewest instances. */
export async function placeOnNode(manager: EntityManager, instance: InstanceEntity): Promise<string> {
  if (instance.nodeId) return instance.nodeId;
  const node = (await liveNodesByLoad(manager))[0];
  if (!node) throw new Error('no broker node is online to place the instance on');
  await manager.update(InstanceEntity, { id: instance.id }, { nodeId: node.id });
  return node.id;
}
