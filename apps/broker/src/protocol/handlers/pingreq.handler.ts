import type { IPingreqPacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import type { InstanceContext } from '../instance-context';

const PINGRESP = Buffer.from([0xd0, 0x00]);

/** [MQTT-3.12.4-1] the server answers PINGREQ with PINGRESP (receipt already refreshed the keep alive). */
export function handlePingreq(_ctx: InstanceContext, connection: ClientConnection, _packet: IPingreqPacket): void {
  connection.write(PINGRESP);
}
