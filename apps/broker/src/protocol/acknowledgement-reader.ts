import type { IPubackPacket, IPubcompPacket, IPubrecPacket, IPubrelPacket } from 'mqtt-packet';

export type Acknowledgement = IPubackPacket | IPubrecPacket | IPubrelPacket | IPubcompPacket;

const COMMANDS = { 4: 'puback', 5: 'pubrec', 6: 'pubrel', 7: 'pubcomp' } as const;

/**
 * A PUBACK, PUBREC, PUBREL or PUBCOMP that only acknowledges (a packet identifier; in 5.0
 * perhaps reason code 0 and an empty property length) read in place, the same object as
 * mqtt-packet's parser makes (5.0: reason code 0). Others (another reason code, properties)
 * return undefined and go to mqtt-packet. The
 * header's flags were checked by the frame reader (inbound-frames.ts).
 */
export function readAcknowledgement(buffer: Buffer, start: number, bodyStart: number, end: number, v5: boolean): Acknowledgement | undefined {
  const length = end - bodyStart;
  // 5.0 also: reason code 0 (success), alone or with an empty property length (what mqtt.js sends).
  if (length !== 2 && !(v5 && (length === 3 || length === 4) && buffer[bodyStart + 2] === 0 && (length === 3 || buffer[bodyStart + 3] === 0))) return undefined;
  const header = buffer[start] as number;
  const cmd = COMMANDS[(header >> 4) as keyof typeof COMMANDS];
  if (cmd === undefined) return undefined;
  const packet = {
    cmd,
    retain: (header & 0x01) !== 0,
    qos: (header >> 1) & 0x03,
    dup: (header & 0x08) !== 0,
    length,
    topic: null,
    payload: null,
    messageId: buffer.readUInt16BE(bodyStart),
  } as unknown as Acknowledgement;
  if (v5) packet.reasonCode = 0;
  return packet;
}
