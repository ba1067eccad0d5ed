/**
 * PUBACK / PUBREC / PUBREL / PUBCOMP with reason code 0 and no properties are four bytes in both
 * versions (5.0 may omit a success reason code [MQTT-3.4.2-1]); built by hand on the hot path.
 */
const PUBACK = 0x40;
const PUBREC = 0x50;
const PUBREL = 0x62;
const PUBCOMP = 0x70;

function ack(header: number, packetId: number): Buffer {
  const buffer = Buffer.allocUnsafe(4);
  buffer[0] = header;
  buffer[1] = 2;
  buffer.writeUInt16BE(packetId, 2);
  return buffer;
}

export const pubackPacket = (packetId: number): Buffer => ack(PUBACK, packetId);
export const pubrecPacket = (packetId: number): Buffer => ack(PUBREC, packetId);
export const pubrelPacket = (packetId: number): Buffer => ack(PUBREL, packetId);
export const pubcompPacket = (packetId: number): Buffer => ack(PUBCOMP, packetId);
