import type { EntityManager } from 'typeorm';
import { InstanceEntity, InstancePortEntity } from '@mqc/db';
import { pickInstancePorts, type InstancePorts, type PortRange } from '@mqc/domain';
import { PermanentJobError } from './job-context';

/**
 * Gives an instance three listener ports from MQC_BROKER_PORTS, once. The table lock makes
 * concurrent provisioning jobs take turns; the primary key forbids a double allocation anyway.
 */
export async function allocatePorts(manager: EntityManager, instance: InstanceEntity, range: PortRange): Promise<InstancePorts> {
  if (instance.mqttPort && instance.mqttsPort && instance.wsPort) {
    return { mqtt: instance.mqttPort, mqtts: instance.mqttsPort, ws: instance.wsPort };
  }
  await manager.query('LOCK TABLE instance_ports IN EXCLUSIVE MODE');
  const rows = await manager.find(InstancePortEntity, { select: { port: true } });
  const ports = pickInstancePorts(range, new Set(rows.map((r) => r.port)));
  if (!ports) throw new PermanentJobError(`no free ports left in MQC_BROKER_PORTS ${range.first}-${range.last}`);
  await manager.insert(
    InstancePortEntity,
    [ports.mqtt, ports.mqtts, ports.ws].map((port) => ({ port, instanceId: instance.id })),
  );
  await manager.update(InstanceEntity, { id: instance.id }, { mqttPort: ports.mqtt, mqttsPort: ports.mqtts, wsPort: ports.ws });
  return ports;
}
