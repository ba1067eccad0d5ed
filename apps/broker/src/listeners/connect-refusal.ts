import type { Duplex } from 'node:stream';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { CONNACK_311, CONNACK_5 } from '@mqc/auth';

/** How long a refused client may take to send its CONNECT before the socket is closed. */
const CONNECT_WAIT_MS = 10_000;

/**
 * Answers the client's CONNECT with "not authorized" (3.1.1: 5; 5.0: 0x87 with a reason
 * string) and closes: a TLS client that must present a certificate and did not, or whose
 * certificate did not verify, learns why in MQTT terms instead of from a bare TLS alert.
 * Nothing reaches the instance's engine.
 */
export function refuseConnect(stream: Duplex, reason: string): void {
  const parser = createParser();
  const timer = setTimeout(() => stream.destroy(), CONNECT_WAIT_MS);
  timer.unref();
  const finish = (): void => {
    clearTimeout(timer);
    stream.removeAllListeners('data');
    stream.end();
    // A client that never reads must not hold the socket.
    setTimeout(() => stream.destroy(), 1_000).unref();
  };
  parser.once('packet', (packet: Packet) => {
    if (packet.cmd !== 'connect') return finish();
    const connack =
      packet.protocolVersion === 5
        ? generate({ cmd: 'connack', sessionPresent: false, reasonCode: CONNACK_5.notAuthorized, properties: { reasonString: reason } }, { protocolVersion: 5 })
        : generate({ cmd: 'connack', sessionPresent: false, returnCode: CONNACK_311.notAuthorized });
    stream.write(connack);
    finish();
  });
  parser.once('error', finish);
  stream.on('data', (chunk: Buffer) => parser.parse(chunk));
  stream.on('error', () => stream.destroy());
}
