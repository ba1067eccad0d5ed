import { connect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

export interface RawConnectOptions {
  clientId: string;
  username?: string;
  password?: string;
  protocolVersion?: 4 | 5;
  /** false: a persistent session (3.1.1 clean session 0); default true. */
  clean?: boolean;
  /** Set before CONNECT: a resumed session's messages can follow the CONNACK in the same read. */
  onMessage?: (topic: string, payload: Buffer) => void;
}

/**
 * A minimal MQTT client for load: a socket, mqtt-packet's parser and generator, nothing else.
 * It stays lighter than the brokers under test (mqtt.js saturates first on two cores).
 */
export class RawClient {
  private readonly parser;
  private nextId = 1;
  private readonly pendingAcks = new Map<number, () => void>();
  private onConnack: ((code: number) => void) | undefined;
  private onSuback: (() => void) | undefined;
  onMessage: ((topic: string, payload: Buffer) => void) | undefined;

  private constructor(
    readonly socket: Socket,
    private readonly protocolVersion: 4 | 5,
  ) {
    this.parser = mqttPacket.parser({ protocolVersion });
    this.parser.on('packet', (packet: Packet) => this.handle(packet));
    socket.on('data', (chunk: Buffer) => this.parser.parse(chunk));
    socket.on('error', () => undefined);
  }

  /** Connects; resolves with the client and the CONNACK code. */
  static connect(port: number, options: RawConnectOptions): Promise<{ client: RawClient; code: number }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      const client = new RawClient(socket, options.protocolVersion ?? 4);
      client.onMessage = options.onMessage;
      socket.once('error', reject);
      socket.once('connect', () => {
        client.onConnack = (code) => resolve({ client, code });
        client.write({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: client.protocolVersion,
          clientId: options.clientId,
          clean: options.clean ?? true,
          keepalive: 0,
          username: options.username,
          password: options.password === undefined ? undefined : Buffer.from(options.password),
        });
      });
      socket.once('close', () => client.onConnack?.(-1));
    });
  }

  /** Connects and insists on CONNACK success. */
  static async connectAccepted(port: number, options: RawConnectOptions): Promise<RawClient> {
    const { client, code } = await RawClient.connect(port, options);
    if (code !== 0) throw new Error(`CONNECT of ${options.clientId} refused with code ${code}`);
    return client;
  }

  private handle(packet: Packet): void {
    switch (packet.cmd) {
      case 'connack': {
        const code = (packet as { returnCode?: number; reasonCode?: number }).reasonCode ?? (packet as { returnCode?: number }).returnCode ?? 0;
        this.onConnack?.(code);
        this.onConnack = undefined;
        return;
      }
      case 'suback':
        this.onSuback?.();
        return;
      case 'puback': {
        const done = this.pendingAcks.get(packet.messageId!);
        this.pendingAcks.delete(packet.messageId!);
        done?.();
        return;
      }
      case 'publish':
        if (packet.qos === 1) this.write({ cmd: 'puback', messageId: packet.messageId });
        this.onMessage?.(packet.topic, packet.payload as Buffer);
        return;
      default:
        return;
    }
  }

  write(packet: Partial<Packet> & { cmd: string }): void {
    this.socket.write(mqttPacket.generate(packet as Packet, { protocolVersion: this.protocolVersion }));
  }

  /** Writes a packet generated once (the QoS 0 flood reuses one buffer). */
  writeRaw(buffer: Buffer): void {
    this.socket.write(buffer);
  }

  static encode(packet: Partial<Packet> & { cmd: string }, protocolVersion: 4 | 5 = 4): Buffer {
    return mqttPacket.generate(packet as Packet, { protocolVersion });
  }

  subscribe(topic: string, qos: 0 | 1): Promise<void> {
    return new Promise((resolve) => {
      this.onSuback = resolve;
      this.write({ cmd: 'subscribe', messageId: this.takeId(), subscriptions: [{ topic, qos }] });
    });
  }

  publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void> | void {
    if (qos === 0) {
      this.write({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false });
      return;
    }
    const messageId = this.takeId();
    return new Promise<void>((resolve) => {
      this.pendingAcks.set(messageId, resolve);
      this.write({ cmd: 'publish', topic, payload, qos: 1, messageId, retain: false, dup: false });
    });
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = this.nextId === 65535 ? 1 : this.nextId + 1;
    return id;
  }

  close(): void {
    this.socket.destroy();
  }
}
