import { spawn } from 'node:child_process';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { generate, parser as createParser, type IConnackPacket, type Packet } from 'mqtt-packet';

/** What a raw CONNECT carries besides the fixed fields (clean start, keep alive 30). */
export interface RawConnect {
  protocolVersion: 4 | 5;
  clientId: string;
  username: string;
  password: string;
}

/** Over TLS: the server name to send (SNI) and the CA that must verify the server's certificate for it. */
export interface RawTls {
  servername: string;
  ca: string;
}

/** One raw CONNECT from the loopback address `source` (over TLS with `tls`); resolves with the CONNACK (undefined when closed without one). */
export function rawConnack(port: number, source: string, connect: RawConnect, tls?: RawTls): Promise<IConnackPacket | undefined> {
  const { protocolVersion, clientId, username, password } = connect;
  return new Promise((resolve) => {
    const socket = tls
      ? connectTls({ socket: connectTcp({ host: '127.0.0.1', port, localAddress: source }), servername: tls.servername, ca: tls.ca, rejectUnauthorized: true })
      : connectTcp({ host: '127.0.0.1', port, localAddress: source });
    const parser = createParser({ protocolVersion });
    let settled = false;
    const settle = (connack: IConnackPacket | undefined) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(connack);
    };
    parser.on('packet', (packet: Packet) => settle(packet.cmd === 'connack' ? packet : undefined));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    socket.on('error', () => settle(undefined));
    socket.on('close', () => settle(undefined));
    socket.on(tls ? 'secureConnect' : 'connect', () =>
      socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion, clientId, clean: true, keepalive: 30, username, password: Buffer.from(password) }, { protocolVersion })),
    );
  });
}

/**
 * Runs mosquitto_sub (`args` name the broker and topic) until it has printed one message or
 * `waitSeconds` passed; `ready` once its SUBACK arrived, `output` its whole output (debug lines included).
 */
export function mosquittoSubOnce(args: string[], waitSeconds: number): { ready: Promise<void>; output: Promise<string> } {
  // Line-buffered, so the SUBACK line arrives while it waits (a pipe would buffer it to the end).
  const child = spawn('stdbuf', ['-oL', 'mosquitto_sub', ...args, '-C', '1', '-W', String(waitSeconds), '-d']);
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('SUBACK')) markReady();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const output = new Promise<string>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`mosquitto_sub exited ${code}: ${stderr}${stdout}`)))),
  );
  return { ready, output };
}
