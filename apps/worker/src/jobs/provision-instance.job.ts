import { InstanceEntity } from '@mqc/db';
import { hasDedicatedPorts } from '@mqc/editions';
import type { JobPayloads } from '@mqc/queue';
import { allocatePorts } from './allocate-ports';
import { newInstanceTls } from './instance-tls';
import type { JobContext } from './job-context';
import { placeOnNode } from './place-on-node';
import { ServingWatch } from './serving-watch';

export type ProvisionInstancePayload = JobPayloads['provision-instance'];

/** How long a node may take to open an instance's listeners before the attempt is retried. */
const SERVING_TIMEOUT_MS = 30_000;

/**
 * SPEC 3: allocate endpoints (ports, unless the edition is served on the shared endpoint only),
 * create the instance's CA and server certificate, place it on a broker node (one transaction
 * for the three), wait until the node serves it (the node marks it RUNNING then). Every step is idempotent, so a
 * retried or resumed job continues where the last attempt stopped.
 */
export class ProvisionInstanceJob {
  constructor(private readonly context: JobContext) {}

  async run({ instanceId }: ProvisionInstancePayload): Promise<void> {
    const { dataSource, config, changes, secrets, logger } = this.context;
    const instance = await dataSource.getRepository(InstanceEntity).findOneBy({ id: instanceId });
    if (!instance || instance.status !== 'PROVISIONING') return;

    // The keys and certificates are CPU work, made before the transaction so it holds the port lock for its writes only.
    const tls = instance.caCertPem && instance.serverCertPem ? {} : await newInstanceTls(instanceId, config.publicHost, secrets, config.publicDomain);
    const { ports, nodeId } = await dataSource.transaction(async (manager) => {
      const placed = await placeOnNode(manager, instance, tls);
      // Last: the port lock serialises every allocation of the deployment, so it is held for one statement and the commit.
      // Issue 16: an edition without dedicated ports is served on the nodes' shared TLS endpoint only.
      const allocated = hasDedicatedPorts(instance.edition, config.sharedTlsPort !== undefined) ? await allocatePorts(manager, instance, config.brokerPorts) : 'shared endpoint only';
      return { ports: allocated, nodeId: placed };
    });
    await changes.publish({ kind: 'instance', instanceId });
    logger.info({ instanceId, nodeId, ports }, 'instance placed; waiting for the node to serve it');

    // The node marks the instance RUNNING as it starts serving it (InstanceHost.open), in the same statement.
    await (this.context.serving ?? new ServingWatch(dataSource)).serving(instanceId, `node ${nodeId} to serve instance ${instanceId}`, SERVING_TIMEOUT_MS);
    logger.info({ instanceId }, 'instance running');
  }
}
