import { connect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { MUTATIONS, mutate, type Mutation } from './mutations';
import { PACKET_KINDS, encode, generatePacket, randomClientId, scramConnect, validConnect, type PacketKind, type ProtocolVersion } from './packet-generator';
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
  /** What the broker answered first on those connections (`auth 0x18`: an enhanced authentication went on). */
  firstAnswers: Record<string, number>;
  /** What the broker answered the valid CONNECTs that started a SCRAM exchange (`auth 0x18`: it went on). */
  enhancedAuthAnswers: Record<string, number>;
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
    firstAnswers: {},
    enhancedAuthAnswers: {},
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
/** Share of 5.0 connections (taken from the above) that start a SCRAM exchange instead. */
const ENHANCED_AUTH = 0.15;
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
      let settled = false;
      const done = (packet: Packet | undefined) => {
        if (settled) return;
        settled = true;
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

function describeAnswer(packet: Packet | undefined, closed: boolean): string {
  const hex = (code: number | undefined) => `0x${(code ?? 0).toString(16).padStart(2, '0')}`;
  if (packet?.cmd === 'connack') return `connack ${hex(packet.reasonCode ?? packet.returnCode)}`;
  if (packet?.cmd === 'auth' || packet?.cmd === 'disconnect') return `${packet.cmd} ${hex(packet.reasonCode)}`;
  if (packet !== undefined) return packet.cmd;
  return closed ? 'closed' : 'nothing';
}

/**
 * How a connection starts: a valid CONNECT and its CONNACK; (5.0) a valid CONNECT starting a
 * SCRAM exchange and the broker's AUTH, so what follows meets a connection mid-authentication;
 * or fuzzed packets from the first byte, CONNECT among them.
 */
type Opening = 'after-connect' | 'enhanced-auth' | 'fuzzed-first';

function chooseOpening(prng: Prng, version: ProtocolVersion): Opening {
  const roll = prng.next();
  if (version === 5 && roll < ENHANCED_AUTH) return 'enhanced-auth';
  return roll < AFTER_CONNECT ? 'after-connect' : 'fuzzed-first';
}

function count(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** Opens the session the way `opening` says; false when the broker refused it (counted). */
async function open(connection: RawConnection, opening: Opening, prng: Prng, version: ProtocolVersion, index: number, counters: TrafficCounters): Promise<boolean> {
  const clientId = randomClientId(prng) || `fz-anon-${index}`;
  if (opening === 'fuzzed-first') {
    counters.fuzzedFirst++;
    void connection.firstPacket(version, CONNACK_WAIT_MS).then((answer) => count(counters.firstAnswers, describeAnswer(answer, connection.closed)));
    return true;
  }
  const connect = opening === 'enhanced-auth' ? scramConnect(prng, clientId) : validConnect(prng, version, clientId);
  await connection.write(encode(connect, version));
  const answer = await connection.firstPacket(version, CONNACK_WAIT_MS);
  const what = describeAnswer(answer, connection.closed);
  if (opening === 'enhanced-auth') {
    count(counters.enhancedAuthAnswers, what);
    return !connection.closed;
  }
  if (!accepted(answer)) {
    count(counters.notAccepted, what);
    return false;
  }
  counters.accepted++;
  return true;
}

/**
 * Connection `index` of a run: everything it sends comes from its own seeded stream, so the
 * same seed and index send the same bytes again (how far a connection gets depends on when
 * the broker closes it).
 */
async function fuzzConnection(options: TrafficOptions, index: number, budget: () => number, counters: TrafficCounters): Promise<void> {
  const prng = Prng.forStream(options.seed, index);
  const version: ProtocolVersion = prng.chance(0.5) ? 4 : 5;
  const opening = chooseOpening(prng, version);
  const wanted = prng.int(1, MAX_PACKETS_PER_CONNECTION);
  const connection = await RawConnection.open(options.port, sourceAddress(index));
  if (!connection) {
    counters.connectErrors++;
    return;
  }
  counters.connections++;
  if (!(await open(connection, opening, prng, version, index, counters))) {
    await connection.end();
    return;
  }
  const mutateShare = opening === 'fuzzed-first' ? MUTATE_FIRST : MUTATE_AFTER_CONNECT;
  for (let sent = 0; sent < wanted && budget() > 0; sent++) {
    if (connection.closed) break;
    // Fuzzed from the first packet, a connection starts with a CONNECT half the time (the
    // richest packet, and the one every anonymous peer can send); mid-authentication, AUTH
    // comes half the time.
    const kind = opening === 'fuzzed-first' && sent === 0 && prng.chance(0.5) ? 'connect' : opening === 'enhanced-auth' && prng.chance(0.5) ? 'auth' : undefined;
    const generated = generatePacket(prng, version, kind);
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
