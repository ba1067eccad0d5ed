import { connect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { MUTATIONS, mutate, type Mutation } from './mutations';
import { PACKET_KINDS, encode, generatePacket, randomClientId, validConnect, type PacketKind, type ProtocolVersion } from './packet-generator';
import { Prng } from './prng';

export interface TrafficCounters {
  /** Packets written to a socket, counted by the type they were generated as (before a mutation). */
  packets: number;
  perKind: Record<PacketKind, number>;
  perVersion: Record<'3.1.1' | '5.0', number>;
  mutated: number;
  perMutation: Record<Mutation, number>;
  connections: number;
  /** Connections whose first packet was fuzzed (no valid CONNECT before it). */
  fuzzedFirst: number;
  /** Connections that sent a valid CONNECT first and were accepted. */
  accepted: number;
  /** Connections whose valid CONNECT was refused or went unanswered, by what came back (`connack 0x97`, `closed`, `nothing`). */
  notAccepted: Record<string, number>;
  /** Connections the broker closed before the fuzzer was done with them. */
  closedByBroker: number;
  /** Connections that could not be opened at all. */
  connectErrors: number;
}

export function emptyCounters(): TrafficCounters {
  return {
    packets: 0,
    perKind: Object.fromEntries(PACKET_KINDS.map((k) => [k, 0])) as Record<PacketKind, number>,
    perVersion: { '3.1.1': 0, '5.0': 0 },
    mutated: 0,
    perMutation: Object.fromEntries(MUTATIONS.map((m) => [m, 0])) as Record<Mutation, number>,
    connections: 0,
    fuzzedFirst: 0,
    accepted: 0,
    notAccepted: {},
    closedByBroker: 0,
    connectErrors: 0,
  };
}

export interface TrafficOptions {
  port: number;
  seed: number;
  /** Packets to send in all (the valid CONNECTs that open a session not included). */
  packets: number;
  /** Connections open at once. */
  concurrency: number;
  /** Asked before every connection: false ends the traffic early (the broker is gone). */
  keepGoing(): boolean;
}

/** Share of connections that send a valid CONNECT and wait for CONNACK before the fuzzed packets. */
const AFTER_CONNECT = 0.7;
/** After a CONNACK, most packets stay valid (each mutated one likely ends the connection). */
const MUTATE_AFTER_CONNECT = 0.25;
const MUTATE_FIRST = 0.6;
const MAX_PACKETS_PER_CONNECTION = 24;
const CONNACK_WAIT_MS = 10_000;
const CLOSE_WAIT_MS = 2_000;

/** One raw TCP connection: its socket, whether the broker closed it, and a wait for either. */
class RawConnection {
  closed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static open(port: number, localAddress: string): Promise<RawConnection | undefined> {
    return new Promise((resolve) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress });
      socket.setNoDelay(true);
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', () => resolve(undefined));
    });
  }

  /** Writes; waits for the socket to drain when its buffer is full. */
  async write(bytes: Buffer): Promise<void> {
    if (this.closed) return;
    if (!this.socket.write(bytes)) await Promise.race([new Promise((resolve) => this.socket.once('drain', resolve)), this.closedPromise]);
  }

  /** The broker's first packet, undefined when it closes or says nothing within `ms`. */
  firstPacket(version: ProtocolVersion, ms: number): Promise<Packet | undefined> {
    return new Promise((resolve) => {
      const parser = mqttPacket.parser({ protocolVersion: version });
      const timer = setTimeout(() => done(undefined), ms);
      const onData = (chunk: Buffer) => parser.parse(chunk);
      const done = (packet: Packet | undefined) => {
        clearTimeout(timer);
        this.socket.off('data', onData);
        // From here on what the broker sends (deliveries, acks) is read and dropped.
        this.socket.on('data', () => undefined);
        resolve(packet);
      };
      parser.once('packet', (packet: Packet) => done(packet));
      parser.once('error', () => done(undefined));
      this.socket.on('data', onData);
      void this.closedPromise.then(() => done(undefined));
    });
  }

  /** Half-closes, gives the broker a moment to close its side, then destroys. */
  async end(): Promise<void> {
    this.socket.end();
    await Promise.race([this.closedPromise, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    this.socket.destroy();
  }
}

/**
 * Connections come from 4,064 loopback addresses (Linux routes all of 127.0.0.0/8 to lo), as
 * traffic from many devices would: the broker's failed-CONNECT throttle counts per source, and
 * the fuzzed CONNECTs that fail authentication (unknown methods) would otherwise block every
 * later connection of the run. The clients that check the broker connect from 127.0.0.1.
 */
function sourceAddress(index: number): string {
  const slot = index % 4_064;
  return `127.10.${Math.floor(slot / 254)}.${1 + (slot % 254)}`;
}

function accepted(packet: Packet | undefined): boolean {
  return packet?.cmd === 'connack' && (packet.reasonCode ?? packet.returnCode ?? 0) === 0;
}

function describeRefusal(packet: Packet | undefined, closed: boolean): string {
  if (packet?.cmd === 'connack') return `connack 0x${(packet.reasonCode ?? packet.returnCode ?? 0).toString(16).padStart(2, '0')}`;
  if (packet !== undefined) return packet.cmd;
  return closed ? 'closed' : 'nothing';
}

/**
 * Connection `index` of a run: everything it sends comes from its own seeded stream, so the
 * same seed and index send the same bytes again (how far a connection gets depends on when
 * the broker closes it).
 */
async function fuzzConnection(options: TrafficOptions, index: number, budget: () => number, counters: TrafficCounters): Promise<void> {
  const prng = Prng.forStream(options.seed, index);
  const version: ProtocolVersion = prng.chance(0.5) ? 4 : 5;
  const afterConnect = prng.chance(AFTER_CONNECT);
  const wanted = prng.int(1, MAX_PACKETS_PER_CONNECTION);
  const connection = await RawConnection.open(options.port, sourceAddress(index));
  if (!connection) {
    counters.connectErrors++;
    return;
  }
  counters.connections++;
  if (afterConnect) {
    await connection.write(encode(validConnect(prng, version, randomClientId(prng) || `fz-anon-${index}`), version));
    const answer = await connection.firstPacket(version, CONNACK_WAIT_MS);
    if (!accepted(answer)) {
      const what = describeRefusal(answer, connection.closed);
      counters.notAccepted[what] = (counters.notAccepted[what] ?? 0) + 1;
      await connection.end();
      return;
    }
    counters.accepted++;
  } else {
    counters.fuzzedFirst++;
    connection.socket.on('data', () => undefined);
  }
  const mutateShare = afterConnect ? MUTATE_AFTER_CONNECT : MUTATE_FIRST;
  for (let sent = 0; sent < wanted && budget() > 0; sent++) {
    if (connection.closed) break;
    // A connection fuzzed from its first packet starts with a CONNECT half the time: the
    // richest packet, and the one every anonymous peer can send.
    const generated = generatePacket(prng, version, !afterConnect && sent === 0 && prng.chance(0.5) ? 'connect' : undefined);
    let bytes = generated.bytes;
    if (prng.chance(mutateShare)) {
      const mutation = prng.pick(MUTATIONS);
      bytes = mutate(prng, bytes, () => generatePacket(prng, version).bytes, mutation);
      counters.mutated++;
      counters.perMutation[mutation]++;
    }
    counters.packets++;
    counters.perKind[generated.kind]++;
    counters.perVersion[version === 4 ? '3.1.1' : '5.0']++;
    await connection.write(bytes);
    // Now and then a pause, so the broker answers before the next packet arrives.
    if (prng.chance(0.3)) await new Promise((resolve) => setImmediate(resolve));
  }
  if (connection.closed) counters.closedByBroker++;
  await connection.end();
}

/** Sends `packets` fuzzed packets over `concurrency` connections at a time; resolves when all are closed. */
export async function runTraffic(options: TrafficOptions, counters: TrafficCounters, onProgress?: (counters: TrafficCounters) => void): Promise<void> {
  let nextIndex = 0;
  const budget = () => options.packets - counters.packets;
  const lane = async () => {
    while (budget() > 0 && options.keepGoing()) {
      const index = nextIndex++;
      await fuzzConnection(options, index, budget, counters);
      if (index % 5_000 === 4_999) onProgress?.(counters);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
}
