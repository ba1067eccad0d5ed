import { generate, parser as createParser, type IPublishPacket, type Packet, type Parser } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { readInbound, type InboundBytes, type InboundHandlers } from './inbound-frames';
import { readAcknowledgement } from './acknowledgement-reader';
import { readPublish } from './publish-reader';
import { refuseMalformedStrings } from './utf8-strings';

type ProtocolVersion = 4 | 5;

/** A seeded generator (mulberry32), so a failure is reproducible. */
class Prng {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  size(max: number): number {
    return this.int(0, max);
  }
  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.int(0, 255)));
  }
}

/** The packet damaged as a fuzzer would: a bit flipped, cut short, bytes inserted, a remaining length that lies, a byte of a string made invalid UTF-8 or U+0000. */
function mutate(prng: Prng, bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  const at = prng.int(0, copy.length - 1);
  switch (prng.int(0, 4)) {
    case 0:
      copy[at] = (copy[at] as number) ^ (1 << prng.int(0, 7));
      return copy;
    case 1:
      return copy.subarray(0, at);
    case 2:
      return Buffer.concat([copy.subarray(0, at), prng.bytes(prng.int(1, 4)), copy.subarray(at)]);
    case 3:
      if (((copy[1] as number) & 0x80) === 0) copy[1] = prng.int(0, 127);
      return copy;
    default:
      copy[at] = prng.pick([0x00, 0xff, 0xc3, 0xed]);
      return copy;
  }
}

/** What one parser made of some bytes: the packets it emitted, then its error if it stopped on one. */
interface Outcome {
  packets: Packet[];
  error?: string;
}

/** The parser the broker used for everything before: mqtt-packet's, with its strings checked. */
function referenceParser(version: ProtocolVersion, outcome: Outcome): Parser {
  const parser = createParser({ protocolVersion: version });
  refuseMalformedStrings(parser);
  parser.on('packet', (packet: Packet) => outcome.error === undefined && outcome.packets.push(packet));
  parser.on('error', (error: Error) => (outcome.error ??= error.message));
  return parser;
}

function parseWithReference(version: ProtocolVersion, chunks: Buffer[]): Outcome {
  const outcome: Outcome = { packets: [] };
  const parser = referenceParser(version, outcome);
  for (const chunk of chunks) {
    if (outcome.error !== undefined) break;
    parser.parse(chunk);
  }
  return outcome;
}

interface Reader extends InboundBytes {
  version: ProtocolVersion;
  outcome: Outcome;
  parser: Parser;
  fastReads: number;
  maxPacketSize: number;
}

const handlers: InboundHandlers<Reader> = {
  fastPathVersion: (reader) => reader.version,
  onPacket: (reader, packet) => {
    reader.fastReads++;
    reader.outcome.packets.push(packet);
  },
  parseSlowly: (reader, bytes) => {
    reader.parser.parse(bytes);
  },
  admitsLength: (reader, remaining) => {
    if (remaining + 5 <= reader.maxPacketSize) return true;
    reader.outcome.error = 'too large';
    return false;
  },
  isOpen: (reader) => reader.outcome.error === undefined,
};

function parseWithReader(version: ProtocolVersion, chunks: Buffer[], maxPacketSize = Number.MAX_SAFE_INTEGER): Outcome & { fastReads: number } {
  const outcome: Outcome = { packets: [] };
  const reader: Reader = { version, outcome, parser: referenceParser(version, outcome), fastReads: 0, maxPacketSize, heldChunks: undefined, heldBytes: 0, heldNeed: 0 };
  for (const chunk of chunks) {
    if (outcome.error !== undefined) break;
    readInbound(reader, chunk, handlers);
  }
  return { ...outcome, fastReads: reader.fastReads };
}

/** The bytes cut at random places: single bytes, a few bytes, several packets in one chunk. */
function randomChunks(prng: Prng, bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = prng.chance(0.2) ? prng.int(1, 3) : prng.chance(0.5) ? prng.int(1, 200) : prng.int(1, 4000);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

const WORDS = ['a', 'sensors', 'temp', '温度', 'état', 'x y', '$SYS', '😀'];
const text = (prng: Prng): string => Array.from({ length: prng.int(1, 4) }, () => prng.pick(WORDS)).join('/');

/** A well-formed packet a client sends: mostly PUBLISH (QoS 0–2, 5.0 properties a PUBLISH carries), some acknowledgements, SUBSCRIBE and PINGREQ. */
function clientPacket(prng: Prng, version: ProtocolVersion, publishOnly = false): Buffer {
  const roll = publishOnly ? 1 : prng.next();
  if (roll < 0.1) return generate({ cmd: prng.pick(['puback', 'pubrec', 'pubrel', 'pubcomp'] as const), messageId: prng.int(1, 65535) }, { protocolVersion: version });
  if (roll < 0.13) return generate({ cmd: 'pingreq' }, { protocolVersion: version });
  if (roll < 0.16) return generate({ cmd: 'subscribe', messageId: prng.int(1, 65535), subscriptions: [{ topic: text(prng), qos: prng.pick([0, 1, 2] as const) }] }, { protocolVersion: version });
  const qos = prng.pick([0, 1, 2] as const);
  const all = {
    payloadFormatIndicator: prng.chance(0.5),
    messageExpiryInterval: prng.int(0, 100_000),
    topicAlias: prng.int(1, 100),
    responseTopic: text(prng),
    correlationData: prng.bytes(prng.size(32)),
    userProperties: Object.fromEntries(Array.from({ length: prng.int(1, 3) }, () => [prng.pick(WORDS), prng.chance(0.3) ? [text(prng), text(prng)] : text(prng)])),
    contentType: prng.pick(WORDS),
    ...(publishOnly && prng.chance(0.1) ? { subscriptionIdentifier: prng.int(1, 1000) } : {}),
  };
  const properties = version === 5 && prng.chance(0.5) ? Object.fromEntries(Object.entries(all).filter(() => prng.chance(0.4))) : undefined;
  return generate(
    { cmd: 'publish', topic: publishOnly && prng.chance(0.05) ? `${text(prng)}\u0000` : text(prng), payload: prng.bytes(prng.size(prng.chance(0.1) ? 3000 : 100)), qos, retain: prng.chance(0.2), dup: qos > 0 && prng.chance(0.1), messageId: qos > 0 ? prng.int(1, 65535) : undefined, properties } as Packet,
    { protocolVersion: version },
  );
}

/** The size of the first packet in `bytes` by its fixed header, or undefined when it has none that is whole and valid. */
function firstPacketSize(bytes: Buffer): number | undefined {
  let at = 1;
  let remaining = 0;
  let multiplier = 1;
  while (at < bytes.length && at <= 4) {
    const byte = bytes[at++] as number;
    remaining += (byte & 0x7f) * multiplier;
    multiplier *= 0x80;
    if ((byte & 0x80) === 0) return at + remaining;
  }
  return undefined;
}

describe('readPublish: a PUBLISH read in place, as mqtt-packet reads it', { timeout: 120_000 }, () => {
  it.each([4, 5] as const)('%s: over 5,000 generated and mutated PUBLISH packets it gives mqtt-packet\'s packet, or declines', (version) => {
    const prng = new Prng(version * 7919);
    let read = 0;
    let declined = 0;
    for (let i = 0; i < 5_000; i++) {
      const generated = clientPacket(prng, version, true);
      const bytes = prng.chance(0.4) ? mutate(prng, generated) : generated;
      const reference = parseWithReference(version, [bytes]);
      // The first packet's fixed header, as the frame reader finds it.
      let bodyStart = 1;
      let remaining = 0;
      let multiplier = 1;
      while (bodyStart < bytes.length && bodyStart <= 4) {
        const byte = bytes[bodyStart++] as number;
        remaining += (byte & 0x7f) * multiplier;
        multiplier *= 0x80;
        if ((byte & 0x80) === 0) break;
      }
      if ((bytes[0] as number) >> 4 !== 3 || bodyStart + remaining > bytes.length || ((bytes[bodyStart - 1] as number) & 0x80) !== 0) continue;
      const packet = readPublish(bytes, 0, bodyStart, bodyStart + remaining, version === 5);
      if (packet === undefined) {
        declined++;
        continue;
      }
      read++;
      expect(reference.packets[0]).toEqual(packet);
    }
    expect(read).toBeGreaterThan(1_500);
    expect(declined).toBeGreaterThan(100);
  });

  it('declines what mqtt-packet alone decides: invalid UTF-8, U+0000, fields past the end, a subscription identifier, other properties', () => {
    const topic = (bytes: number[]): Buffer => Buffer.from([0x30, 2 + bytes.length, 0, bytes.length, ...bytes]);
    expect(readPublish(topic([0x61]), 0, 2, 5, false)?.topic).toBe('a');
    expect(readPublish(topic([0x61, 0xc3, 0x28]), 0, 2, 7, false)).toBeUndefined();
    expect(readPublish(topic([0x61, 0x00]), 0, 2, 6, false)).toBeUndefined();
    expect(readPublish(Buffer.from([0x30, 3, 0, 5, 0x61]), 0, 2, 5, false)).toBeUndefined();
    expect(readPublish(Buffer.from([0x32, 4, 0, 1, 0x61, 0]), 0, 2, 6, false)).toBeUndefined();
    const withProperties = (properties: IPublishPacket['properties']): Buffer => generate({ cmd: 'publish', topic: 't', payload: Buffer.from('p'), qos: 0, retain: false, dup: false, properties } as Packet, { protocolVersion: 5 });
    const read = (bytes: Buffer) => readPublish(bytes, 0, 2, bytes.length, true);
    expect(read(withProperties({ subscriptionIdentifier: 3 }))).toBeUndefined();
    expect(read(withProperties({ contentType: 'a\u0000' }))).toBeUndefined();
    expect(read(withProperties({ messageExpiryInterval: 7, userProperties: { a: ['', 'x'], b: 'y' } }))).toEqual(parseWithReference(5, [withProperties({ messageExpiryInterval: 7, userProperties: { a: ['', 'x'], b: 'y' } })]).packets[0]);
  });
});

describe('readAcknowledgement: a two-byte acknowledgement read in place', () => {
  it.each([4, 5] as const)('%s: PUBACK, PUBREC, PUBREL and PUBCOMP as mqtt-packet reads them; other reason codes and properties declined', (version) => {
    for (const cmd of ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const) {
      const generated = generate({ cmd, messageId: 513 }, { protocolVersion: version });
      const header = generated[0] as number;
      const forms = [generated, Buffer.from([header, 2, 2, 1]), Buffer.from([header, 3, 2, 1, 0])];
      for (const bytes of version === 5 ? forms : forms.slice(0, 2)) {
        const read = readAcknowledgement(bytes, 0, 2, bytes.length, version === 5);
        expect(read).toBeDefined();
        expect(read).toEqual(parseWithReference(version, [bytes]).packets[0]);
      }
      expect(readAcknowledgement(Buffer.from([header, 3, 2, 1, 0x10]), 0, 2, 5, version === 5)).toBeUndefined();
      expect(readAcknowledgement(Buffer.from([header, 4, 2, 1, 0, 3]), 0, 2, 6, version === 5)).toBeUndefined();
    }
  });
});

describe('readInbound: packets from chunks cut anywhere', { timeout: 120_000 }, () => {
  it.each([4, 5] as const)('%s: 100 streams of well-formed packets give the packets mqtt-packet gives, most PUBLISH read in place', (version) => {
    const prng = new Prng(version * 104_729);
    let fastReads = 0;
    for (let stream = 0; stream < 100; stream++) {
      const packets = Array.from({ length: prng.int(1, 60) }, () => clientPacket(prng, version));
      const bytes = Buffer.concat(packets);
      const reference = parseWithReference(version, [bytes]);
      const ours = parseWithReader(version, randomChunks(prng, bytes));
      expect(ours.error).toBe(reference.error);
      expect(ours.packets).toEqual(reference.packets);
      fastReads += ours.fastReads;
    }
    expect(fastReads).toBeGreaterThan(1_000);
  });

  it.each([4, 5] as const)('%s: a mutated packet, alone and cut anywhere, is refused or read as mqtt-packet does', (version) => {
    const prng = new Prng(version * 31);
    let refused = 0;
    for (let i = 0; i < 3_000; i++) {
      const bytes = mutate(prng, clientPacket(prng, version));
      const reference = parseWithReference(version, [bytes]);
      const ours = parseWithReader(version, randomChunks(prng, bytes));
      // mqtt-packet reads a field that runs past its packet from the bytes after it; the reader gives it one packet at a time.
      const size = firstPacketSize(bytes);
      if (size !== undefined && size < bytes.length) continue;
      expect(ours.error).toBe(reference.error);
      expect(ours.packets).toEqual(reference.packets);
      if (reference.error !== undefined) refused++;
    }
    expect(refused).toBeGreaterThan(100);
  });

  it('refuses a packet beyond the size limit once its fixed header is known, before its bytes come', () => {
    const big = generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(1000), qos: 0, retain: false, dup: false }, { protocolVersion: 4 });
    const small = generate({ cmd: 'publish', topic: 't', payload: Buffer.from('p'), qos: 0, retain: false, dup: false }, { protocolVersion: 4 });
    const ours = parseWithReader(4, [Buffer.concat([small, big.subarray(0, 10)])], 500);
    expect(ours.packets).toHaveLength(1);
    expect(ours.error).toBe('too large');
  });

  it('hands mqtt-packet a first byte it refuses at once, and an invalid remaining length, without waiting for more', () => {
    expect(parseWithReader(4, [Buffer.from([0x51])]).error).toBe('Invalid header flag bits, must be 0x0 for pubrec packet');
    expect(parseWithReader(4, [Buffer.from([0x36])]).error).toBe('Packet must not have both QoS bits set to 1');
    expect(parseWithReader(4, [Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff])]).error).toBe('Invalid variable byte integer');
    expect(parseWithReader(4, [Buffer.from([0x30, 0xff, 0xff, 0xff])]).error).toBeUndefined();
  });
});
