import { deadNodesWithInstances, relocateInstances, type Relocation } from '@mqc/db';
import type { JobPayloads } from '@mqc/queue';
import type { JobContext } from './job-context';

export type FailOverInstancesPayload = JobPayloads['fail-over-instances'];

/**
 * Issue 14: the instances of a node that stopped heartbeating (NODE_DEAD_MS) go to the least
 * loaded live nodes, and a change event per instance tells the new node to serve it at once.
 * Repeated every second by a job scheduler; idempotent, and safe with several workers running
 * it at once (relocateInstances moves an instance once). Without a live node, nothing moves:
 * the instances wait for one, or for their node to come back under its name.
 */
export class FailOverInstancesJob {
  constructor(private readonly context: JobContext) {}

  async run(_payload: FailOverInstancesPayload = {}): Promise<Relocation[]> {
    const { dataSource, changes, logger } = this.context;
    const moved: Relocation[] = [];
    for (const nodeId of await deadNodesWithInstances(dataSource.manager)) {
      const relocated = await relocateInstances(dataSource.manager, nodeId);
      for (const move of relocated) {
        await changes.publish({ kind: 'instance', instanceId: move.instanceId });
        logger.info(move, 'instance of a dead broker node placed on a live node');
      }
      moved.push(...relocated);
    }
    return moved;
  }
}
