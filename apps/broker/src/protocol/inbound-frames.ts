import type { Packet } from 'mqtt-packet';
import { readAcknowledgement } from './acknowledgement-reader';
import { readPublish } from './publish-reader';

/** Bytes of a packet not yet whole, kept between reads (fields of the connection: no object of its own). */
export interface InboundBytes {
  heldChunks: Buffer[] | undefined;
  heldBytes: number;
  /** The packet's whole size once its fixed header is known; 0 while it is not. */
  heldNeed: number;
}

/** What the reader asks of its owner; one shared object of functions, the owner passed in (no closure per connection). */
export interface InboundHandlers<T> {
  /** The protocol version PUBLISH and acknowledgements are read with here, or undefined to hand every packet to mqtt-packet. */
  fastPathVersion(owner: T): number | undefined;
  onPacket(owner: T, packet: Packet): void;
  /** Bytes for mqtt-packet's parser: one whole packet, or everything left after a fixed header it refuses. */
  parseSlowly(owner: T, bytes: Buffer): void;
  /** A packet of this remaining length was announced: returns false when it is refused (too large; the owner closed). */
  admitsLength(owner: T, remainingLength: number): boolean;
  isOpen(owner: T): boolean;
}

const PUBLISH = 3;
const PUBCOMP = 7;

/** mqtt-packet's header flags per packet type (its `requiredHeaderFlags`); -1: any. */
const REQUIRED_FLAGS = [-1, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/** Whether mqtt-packet's parser refuses this first byte as soon as it reads it: reserved flag bits, or both QoS bits set. */
function refusedHeader(header: number): boolean {
  const required = REQUIRED_FLAGS[header >> 4] as number;
  if (required >= 0 && (header & 0x0f) !== required) return true;
  return ((header >> 1) & 0x03) === 3;
}

/**
 * Splits a connection's bytes into packets. A whole PUBLISH (the hottest packet) is read in
 * place by `readPublish`, a two-byte PUBACK, PUBREC, PUBREL or PUBCOMP by `readAcknowledgement`;
 * every other packet, and one they decline, goes to mqtt-packet's parser whole, one packet at a time. Refusals keep their moment: a first byte mqtt-packet
 * refuses at once and a remaining length that is not a valid variable byte integer are handed
 * to it straight away (it emits its error), and a size beyond the limit is refused as soon as
 * the fixed header is known. A packet not yet whole is kept, as chunks, until it is.
 */
export function readInbound<T>(owner: T & InboundBytes, chunk: Buffer, handlers: InboundHandlers<T>): void {
  let data = chunk;
  const held = owner.heldChunks;
  if (held !== undefined) {
    held.push(chunk);
    owner.heldBytes += chunk.length;
    if (owner.heldNeed > owner.heldBytes) return;
    data = Buffer.concat(held, owner.heldBytes);
    releaseHeld(owner);
  }
  const end = data.length;
  let at = 0;
  while (at < end) {
    const header = data[at] as number;
    if (refusedHeader(header)) {
      handlers.parseSlowly(owner, data.subarray(at));
      return;
    }
    let remaining = 0;
    let multiplier = 1;
    let bodyStart = at + 1;
    let complete = false;
    while (bodyStart < end && bodyStart - at <= 4) {
      const byte = data[bodyStart++] as number;
      remaining += (byte & 0x7f) * multiplier;
      multiplier *= 0x80;
      if ((byte & 0x80) === 0) {
        complete = true;
        break;
      }
    }
    if (!complete) {
      // Four bytes with the continuation bit: mqtt-packet's "Invalid variable byte integer". Fewer: wait for more.
      if (bodyStart - at > 4) handlers.parseSlowly(owner, data.subarray(at));
      else hold(owner, data.subarray(at), 0);
      return;
    }
    if (!handlers.admitsLength(owner, remaining)) return;
    const packetEnd = bodyStart + remaining;
    if (packetEnd > end) {
      hold(owner, data.subarray(at), packetEnd - at);
      return;
    }
    const type = header >> 4;
    const version = type >= PUBLISH && type <= PUBCOMP ? handlers.fastPathVersion(owner) : undefined;
    let packet: Packet | undefined;
    if (version !== undefined) packet = type === PUBLISH ? readPublish(data, at, bodyStart, packetEnd, version === 5) : readAcknowledgement(data, at, bodyStart, packetEnd, version === 5);
    if (packet !== undefined) handlers.onPacket(owner, packet);
    else handlers.parseSlowly(owner, data.subarray(at, packetEnd));
    if (!handlers.isOpen(owner)) return;
    at = packetEnd;
  }
}

function hold(owner: InboundBytes, bytes: Buffer, need: number): void {
  owner.heldChunks = [bytes];
  owner.heldBytes = bytes.length;
  owner.heldNeed = need;
}

/** Drops what was held (the connection closed, or the packet became whole). */
export function releaseHeld(owner: InboundBytes): void {
  owner.heldChunks = undefined;
  owner.heldBytes = 0;
  owner.heldNeed = 0;
}
