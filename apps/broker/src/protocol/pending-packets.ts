import type { Packet } from 'mqtt-packet';

/**
 * Packets a client sent after its CONNECT, waiting until the CONNECT is accepted [MQTT-3.1.4-5].
 * The stream is paused meanwhile, but one read chunk (64 KiB over TCP, a whole frame over
 * WebSocket) may hold thousands of small packets; their count and bytes are what the caller bounds.
 */
export class PendingPackets {
  private packets: Packet[] = [];
  private sizes: number[] = [];
  private total = 0;

  get length(): number {
    return this.packets.length;
  }

  /** Bytes of the pending packets as they came on the wire. */
  get bytes(): number {
    return this.total;
  }

  push(packet: Packet, size: number): void {
    this.packets.push(packet);
    this.sizes.push(size);
    this.total += size;
  }

  shift(): Packet | undefined {
    const packet = this.packets.shift();
    this.total -= this.sizes.shift() ?? 0;
    return packet;
  }

  /** Every pending packet, in order; none pending afterwards. */
  takeAll(): Packet[] {
    const packets = this.packets;
    this.packets = [];
    this.sizes = [];
    this.total = 0;
    return packets;
  }
}
