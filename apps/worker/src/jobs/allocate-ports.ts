import type { EntityManager } from 'typeorm';
import { allocateInstancePorts, type InstanceEntity } from '@mqc/db';
import type { InstancePorts, PortRange } from '@mqc/domain';
import { PermanentJobError } from './job-context';

/** Gives an instance three listener ports from MQC_BROKER_PORTS, once (allocateInstancePorts); a full range fails the job. */
export async function allocatePorts(manager: EntityManager, instance: InstanceEntity, range: PortRange): Promise<InstancePorts> {
  const ports = await allocateInstancePorts(manager, instance, range);
  if (!ports) throw new PermanentJobError(`no free ports left in MQC_BROKER_PORTS ${range.first}-${range.last}`);
  return ports;
}
