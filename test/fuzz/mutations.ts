import type { Prng } from './prng';

/** What a mutation does to a well-formed packet (or two). */
export const MUTATIONS = ['bit-flip', 'truncate', 'insert-bytes', 'remaining-length-lie', 'splice', 'invalid-utf8', 'huge-varint'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** A variable byte integer [MQTT-1.5.5]. */
export function encodeVarint(value: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0 && bytes.length < 4);
  return Buffer.from(bytes);
}

/** Where the fixed header's remaining length ends (at most 4 bytes after the first). */
function headerEnd(packet: Buffer): number {
  let i = 1;
  while (i < packet.length && i < 5 && (packet[i]! & 0x80) !== 0) i++;
  return Math.min(i + 1, packet.length);
}

function withRemainingLength(packet: Buffer, lengthBytes: Buffer): Buffer {
  return Buffer.concat([packet.subarray(0, 1), lengthBytes, packet.subarray(headerEnd(packet))]);
}

/**
 * Malformed or impossible UTF-8 of the same byte length as what it replaces, so the length
 * prefixes stay right and the broker has to look at the string itself: a lone continuation
 * byte, 0xFF, an overlong encoding, a UTF-16 surrogate, a code point beyond U+10FFFF, a
 * sequence cut short, and U+0000 [MQTT-1.5.4-1, -2].
 */
const INVALID_UTF8 = [[0x80], [0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x00]];

/** A run of 2+ printable ASCII bytes after the fixed header: most likely inside a string field. */
function findText(packet: Buffer, prng: Prng): { start: number; end: number } | undefined {
  const runs: { start: number; end: number }[] = [];
  let start = -1;
  for (let i = headerEnd(packet); i <= packet.length; i++) {
    const printable = i < packet.length && packet[i]! >= 0x20 && packet[i]! < 0x7f;
    if (printable && start < 0) start = i;
    if (!printable && start >= 0) {
      if (i - start >= 2) runs.push({ start, end: i });
      start = -1;
    }
  }
  return runs.length > 0 ? prng.pick(runs) : undefined;
}

/**
 * The variable byte integers a huge value can go in: the remaining length, and in 5.0 the
 * property length right after the fixed header of the packets whose properties start there
 * (DISCONNECT and AUTH after their reason code; CONNECT after its 10-byte variable header).
 */
function propertyLengthOffset(packet: Buffer): number | undefined {
  const type = packet[0]! >> 4;
  const body = headerEnd(packet);
  if (type === 1) return body + 10;
  if (type === 14 || type === 15) return body + 1;
  if (type === 8 || type === 10) return body + 2;
  if (type >= 4 && type <= 7) return body + 3;
  return undefined;
}

export function mutate(prng: Prng, packet: Buffer, other: () => Buffer, mutation: Mutation = prng.pick(MUTATIONS)): Buffer {
  const out = Buffer.from(packet);
  switch (mutation) {
    case 'bit-flip': {
      for (let flips = prng.int(1, 4); flips > 0; flips--) {
        const at = prng.chance(0.3) ? prng.int(0, Math.min(4, out.length - 1)) : prng.int(0, out.length - 1);
        out[at]! ^= 1 << prng.int(0, 7);
      }
      return out;
    }
    case 'truncate': {
      // Half the time the bytes just stop (the broker waits for the rest); half the time the
      // remaining length says so too: a complete packet whose fields run past its end.
      const cut = out.subarray(0, prng.int(1, Math.max(1, out.length - 1)));
      if (prng.chance(0.5)) return cut;
      const body = out.subarray(headerEnd(out), Math.max(headerEnd(out), cut.length));
      return Buffer.concat([out.subarray(0, 1), encodeVarint(body.length), body]);
    }
    case 'insert-bytes': {
      const at = prng.int(1, out.length);
      const inserted = prng.chance(0.5) ? prng.bytes(prng.int(1, 8)) : Buffer.alloc(prng.int(1, 8), prng.pick([0x00, 0xff, 0x80, 0x7f]));
      return Buffer.concat([out.subarray(0, at), inserted, out.subarray(at)]);
    }
    case 'remaining-length-lie': {
      const actual = out.length - headerEnd(out);
      const lie = prng.pick([0, 1, Math.max(0, actual - 1), actual + 1, actual + prng.int(2, 1000), prng.int(0, 16_383)]);
      return withRemainingLength(out, encodeVarint(lie === actual ? actual + 1 : lie));
    }
    case 'splice': {
      const second = other();
      return Buffer.concat([out.subarray(0, prng.int(1, out.length)), second.subarray(prng.int(0, second.length - 1))]);
    }
    case 'invalid-utf8': {
      const text = findText(out, prng);
      if (text === undefined) return mutate(prng, packet, other, 'bit-flip');
      const bad = Buffer.from(prng.pick(INVALID_UTF8.filter((b) => b.length <= text.end - text.start)));
      bad.copy(out, prng.int(text.start, text.end - bad.length));
      return out;
    }
    case 'huge-varint': {
      const huge = prng.pick([Buffer.from([0xff, 0xff, 0xff, 0x7f]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x01]), encodeVarint(prng.int(16_384, 268_435_455))]);
      const at = propertyLengthOffset(out);
      if (at === undefined || at >= out.length || prng.chance(0.4)) return withRemainingLength(out, huge);
      // A property length claiming more than the packet holds; the remaining length is kept right.
      const body = Buffer.concat([out.subarray(headerEnd(out), at), huge, out.subarray(at + 1)]);
      return Buffer.concat([out.subarray(0, 1), encodeVarint(body.length), body]);
    }
  }
}
