import type { Duplex } from 'node:stream';
import { generate, parser as createParser, type IConnackPacket, type IConnectPacket, type IPublishPacket, type ISubackPacket, type ISubscribePacket, type ISubscription, type Packet, type QoS } from 'mqtt-packet';

type PacketOf<C extends Packet['cmd']> = Extract<Packet, { cmd: C }>;

/** A packet-level MQTT client over any duplex stream: writes packets, queues what it receives. */
export class PacketClient {
  readonly received: Packet[] = [];
  private waiters: { resolve: (packet: Packet) => void; reject: (error: Error) => void }[] = [];
  private ended = false;
  readonly closed: Promise<void>;

  constructor(
    readonly stream: Duplex,
    readonly protocolVersion: 3 | 4 | 5 = 4,
  ) {
    const parser = createParser({ protocolVersion });
    parser.on('packet', (packet: Packet) => {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter.resolve(packet);
      else this.received.push(packet);
    });
    stream.on('data', (chunk: Buffer) => parser.parse(chunk));
    this.closed = new Promise((resolve) => {
      const done = (): void => {
        if (this.ended) return;
        this.ended = true;
        for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('connection closed'));
        resolve();
      };
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
  }

  get isClosed(): boolean {
    return this.ended;
  }

  send(packet: Packet): void {
    this.stream.write(generate(packet, { protocolVersion: this.protocolVersion }));
  }

  sendRaw(bytes: Buffer): void {
    this.stream.write(bytes);
  }

  /** The next packet received (already queued or still to come); rejects when the connection closes first. */
  next(): Promise<Packet> {
    const queued = this.received.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async expect<C extends Packet['cmd']>(cmd: C): Promise<PacketOf<C>> {
    const packet = await this.next();
    if (packet.cmd !== cmd) throw new Error(`expected ${cmd}, got ${packet.cmd}: ${JSON.stringify(packet)}`);
    return packet as PacketOf<C>;
  }

  /** Packets received until the connection closed. */
  async drainUntilClosed(): Promise<Packet[]> {
    await this.closed;
    return this.received.splice(0);
  }

  /** Resolves true if nothing arrives within a few event-loop turns (nothing was sent to us). */
  async nothingReceived(turns = 10): Promise<boolean> {
    for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
    return this.received.length === 0;
  }

  connect(options: Partial<IConnectPacket> = {}): Promise<IConnackPacket> {
    this.send({
      cmd: 'connect',
      protocolId: this.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: this.protocolVersion,
      clientId: 'client',
      clean: true,
      keepalive: 0,
      ...options,
    });
    return this.expect('connack');
  }

  private nextId = 1;

  /** SUBSCRIBE and wait for the SUBACK. */
  async subscribe(subscriptions: string | ISubscription | ISubscription[], properties?: ISubscribePacket['properties']): Promise<ISubackPacket> {
    const list = typeof subscriptions === 'string' ? [{ topic: subscriptions, qos: 0 as QoS }] : Array.isArray(subscriptions) ? subscriptions : [subscriptions];
    this.send({ cmd: 'subscribe', messageId: this.nextId++, subscriptions: list, properties });
    return this.expect('suback');
  }

  /** PUBLISH without waiting for acknowledgements (QoS > 0 gets a fresh packet id unless given). */
  publish(topic: string, payload: string | Buffer, options: Partial<IPublishPacket> = {}): number {
    const qos = options.qos ?? 0;
    const messageId = options.messageId ?? (qos > 0 ? this.nextId++ : undefined);
    this.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false, ...options, messageId });
    return messageId ?? 0;
  }

  end(): void {
    this.stream.end();
  }
}
