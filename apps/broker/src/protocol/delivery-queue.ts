import { messageBytes, type Delivery } from './message';

/** Bytes queued across several queues (the sessions of one instance), for the per-instance bound. */
export class QueuedBytesTally {
  bytes = 0;
}

/** FIFO of deliveries waiting for an offline or busy client; bounded by the caller. */
export class DeliveryQueue {
  private items: (Delivery | undefined)[] = [];
  private head = 0;
  private totalBytes = 0;

  constructor(private readonly tally = new QueuedBytesTally()) {}

  private addBytes(bytes: number): void {
    this.totalBytes += bytes;
    this.tally.bytes += bytes;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Bytes of the queued messages (messageBytes), for the per-session bound on queued bytes. */
  get bytes(): number {
    return this.totalBytes;
  }

  push(delivery: Delivery): void {
    this.items.push(delivery);
    this.addBytes(messageBytes(delivery.message));
  }

  peek(): Delivery | undefined {
    return this.items[this.head];
  }

  shift(): Delivery | undefined {
    if (this.head >= this.items.length) return undefined;
    const delivery = this.items[this.head];
    this.items[this.head++] = undefined;
    if (delivery !== undefined) this.addBytes(-messageBytes(delivery.message));
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return delivery;
  }

  /** Drops the oldest QoS 0 delivery, or the oldest of all when none is QoS 0; returns it. */
  dropOldest(): Delivery | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const delivery = this.items[i];
      if (delivery && delivery.qos === 0) {
        this.items.splice(i, 1);
        this.addBytes(-messageBytes(delivery.message));
        return delivery;
      }
    }
    return this.shift();
  }

  clear(): void {
    this.tally.bytes -= this.totalBytes;
    this.items = [];
    this.head = 0;
    this.totalBytes = 0;
  }
}
