import { InstanceEntity, InstancePortEntity, nodeIsLive } from '@mqc/db';
import { activityKeys, type JobPayloads } from '@mqc/queue';
import type { JobContext } from './job-context';
import { waitFor } from './wait-for';

export type DeprovisionInstancePayload = JobPayloads['deprovision-instance'];

const CLOSE_TIMEOUT_MS = 30_000;

/** Waits for the node to close the listeners, then releases the ports: DELETED. */
export class DeprovisionInstanceJob {
  constructor(private readonly context: JobContext) {}

  async run({ instanceId }: DeprovisionInstancePayload): Promise<void> {
    const { dataSource, changes, logger } = this.context;
    const instances = dataSource.getRepository(InstanceEntity);
    const instance = await instances.findOneBy({ id: instanceId });
    if (!instance || instance.status !== 'DELETING') return;
    await changes.publish({ kind: 'instance', instanceId });
    // A node that is gone cannot report; its listeners died with it.
    if (instance.nodeId && (await nodeIsLive(dataSource.manager, instance.nodeId))) {
      await waitFor(
        `the node to close instance ${instanceId}`,
        async () => ((await instances.findOneBy({ id: instanceId }))?.servingAt ? undefined : true),
        CLOSE_TIMEOUT_MS,
      );
    }
    await dataSource.transaction(async (manager) => {
      await manager.delete(InstancePortEntity, { instanceId });
      await manager.update(InstanceEntity, { id: instanceId }, { status: 'DELETED', nodeId: null, servingAt: null });
    });
    // Its metrics and event log: nothing of a deleted instance stays (they would expire anyway).
    await this.context.redis?.del(...Object.values(activityKeys(this.context.config.redisPrefix, instanceId)));
    logger.info({ instanceId }, 'instance deleted');
  }
}
