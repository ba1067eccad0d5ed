import { connect } from 'node:net';

/**
 * The lightest CONNECT the load generator can make: a socket, one write of a CONNECT encoded
 * before the clock started, the CONNACK's return (3.1.1) or reason (5.0) code read straight
 * off the bytes, then close. No parser, no client object: the generator stays lighter than
 * the brokers it measures. Resolves -1 when the broker closes without a CONNACK.
 */
export function connectOnce(port: number, connectPacket: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received: Buffer = Buffer.alloc(0);
    let settled = false;
    const settle = (code: number) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(code);
    };
    socket.setNoDelay(true);
    socket.once('connect', () => socket.write(connectPacket));
    socket.on('data', (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const code = connackCode(received);
      if (code !== undefined) settle(code);
    });
    socket.once('error', (error) => (settled ? undefined : reject(error)));
    socket.once('close', () => settle(-1));
  });
}

/** The code of a CONNACK at the start of `bytes`, undefined until enough has arrived; -2 for another packet. */
function connackCode(bytes: Buffer): number | undefined {
  if (bytes.length < 1) return undefined;
  if (bytes[0] !== 0x20) return -2;
  // Fixed header: type, then the remaining length (a variable byte integer), then flags and code.
  let offset = 1;
  while (offset < bytes.length && (bytes[offset]! & 0x80) !== 0) offset++;
  const codeAt = offset + 2;
  return codeAt < bytes.length ? bytes[codeAt] : undefined;
}
