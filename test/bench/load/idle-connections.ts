import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { RawClient } from './raw-client';

/** Keep alive the idle clients announce: long enough that none has to ping during a measurement. */
export const IDLE_KEEP_ALIVE_SECONDS = 600;

export interface IdleConnections {
  readonly sockets: Socket[];
  close(): void;
}

/**
 * Opens `count` MQTT 3.1.1 connections, `concurrency` at a time, each CONNECT (keep alive
 * IDLE_KEEP_ALIVE_SECONDS, clean session) answered by CONNACK 0, then left idle. Raw sockets:
 * the CONNACK code is read off the bytes.
 */
export async function openIdleConnections(port: number, options: { count: number; concurrency: number; tls: boolean; prefix: string }): Promise<IdleConnections> {
  const sockets: Socket[] = [];
  let next = 0;
  const openOne = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const frame = RawClient.encode({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `${options.prefix}-${index}`, clean: true, keepalive: IDLE_KEEP_ALIVE_SECONDS });
      const socket = options.tls ? connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connectTcp(port, '127.0.0.1');
      sockets.push(socket);
      let received = Buffer.alloc(0);
      socket.once(options.tls ? 'secureConnect' : 'connect', () => socket.write(frame));
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 4) return;
        socket.removeAllListeners('data');
        if (received[0] !== 0x20 || received[3] !== 0) reject(new Error(`${options.prefix} connection ${index} refused (${received.toString('hex')})`));
        else resolve();
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error(`${options.prefix} connection ${index} closed before its CONNACK`)));
    });
  const worker = async () => {
    while (next < options.count) await openOne(next++);
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  for (const socket of sockets) socket.removeAllListeners('close');
  return {
    sockets,
    close: () => sockets.forEach((s) => s.destroy()),
  };
}
