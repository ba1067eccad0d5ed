import { Duplex } from 'node:stream';

/**
 * Two connected in-memory streams, like the two ends of a socket: bytes written on one are
 * read on the other; ending or destroying one ends the other. For protocol tests without sockets.
 */
class PairedEnd extends Duplex {
  peer: PairedEnd | undefined;

  constructor() {
    super({ allowHalfOpen: false });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer !== undefined && !peer.destroyed) peer.push(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer !== undefined && !peer.destroyed) peer.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer !== undefined && !peer.destroyed && !peer.readableEnded) peer.push(null);
    callback(error);
  }
}

export function duplexPair(): [Duplex, Duplex] {
  const a = new PairedEnd();
  const b = new PairedEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
