import type { Packet } from 'mqtt-packet';

/**
 * mqtt-packet's parser hands on some packets whose fields run past the end of the packet,
 * with placeholders instead of an error: a packet identifier or a 2/4-byte property read as
 * -1, a string or binary property (a user property's value among them) as null, a variable
 * byte integer property as false. Answering or forwarding such a placeholder throws (writing
 * -1 into a 2-byte field, encoding null), out of the socket's data handler, which takes the
 * whole broker process down. Such packets are malformed [MQTT-4.8.0-1].
 */
export function unreadableField(packet: Packet): string | undefined {
  if (packet.messageId !== undefined && packet.messageId < 0) return 'packet identifier';
  const properties = 'properties' in packet ? packet.properties : undefined;
  const unreadable = unreadableProperty(properties);
  if (unreadable !== undefined) return `property ${unreadable}`;
  if (packet.cmd === 'connect') {
    const willUnreadable = unreadableProperty(packet.will?.properties);
    if (willUnreadable !== undefined) return `will property ${willUnreadable}`;
  }
  return undefined;
}

function unreadableProperty(properties: object | undefined): string | undefined {
  if (properties === undefined) return undefined;
  for (const [name, value] of Object.entries(properties)) {
    const values: unknown[] = name === 'userProperties' ? Object.values(value as object).flat() : [value].flat();
    if (values.some((v) => v === null || (typeof v === 'number' && v < 0) || (name === 'subscriptionIdentifier' && v === false))) return name;
  }
  return undefined;
}
