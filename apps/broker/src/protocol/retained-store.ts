import { nodeAt, pathTo, pruneEmpty } from './level-trie';
import { isExpired, messageBytes, type Message } from './message';

class RetainedNode {
  readonly children = new Map<string, RetainedNode>();
  message: Message | undefined;
  /** When the message was stored (epoch ms). */
  storedAt = 0;

  isEmpty(): boolean {
    return this.message === undefined && this.children.size === 0;
  }
}

/** A retained message and when it was stored, for the tenant's browsing. */
export interface StoredRetained {
  readonly message: Message;
  readonly storedAt: number;
}

/** One step of the lazy walk of stored(): a node, the filter level it is matched against, or `all` below a `#`. */
interface WalkStep {
  node: RetainedNode;
  index: number;
  all: boolean;
}

/** How often a full quota may walk the store for expired messages: a flood must not walk it per message. */
const EXPIRED_SWEEP_INTERVAL_MS = 1_000;

function isDollar(level: string): boolean {
  return level.charCodeAt(0) === 0x24;
}

/**
 * Retained messages of one instance, in a trie by topic level so a SUBSCRIBE walks only the
 * branches its filter can match. In memory: retained messages do not survive a broker restart.
 */
export class RetainedStore {
  /** Made on first use (issue 16: an idle instance holds no node and no maps). */
  private rootNode: RetainedNode | undefined;

  private get root(): RetainedNode {
    return (this.rootNode ??= new RetainedNode());
  }

  private count = 0;
  private totalBytes = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;

  get size(): number {
    return this.count;
  }

  /** Bytes of the stored messages (messageBytes): a replaced or cleared message's bytes are freed. */
  get bytes(): number {
    return this.totalBytes;
  }

  /**
   * Whether storing the message keeps the store within `maxMessages` and `maxBytes`; replacing a
   * topic's message counts only the difference, clearing one always passes.
   */
  admits(message: Message, maxMessages: number, maxBytes: number): boolean {
    if (message.payload.length === 0) return true;
    const previous = this.find(message.topic);
    const count = previous === undefined ? this.count + 1 : this.count;
    const bytes = this.totalBytes + messageBytes(message) - (previous === undefined ? 0 : messageBytes(previous));
    return count <= maxMessages && bytes <= maxBytes;
  }

  /**
   * Forgets every expired message (otherwise forgotten only when a subscription meets them), at
   * most once per second; true when it freed any. For a store at its quota.
   */
  forgetExpired(now: number): boolean {
    if (now - this.lastSweep < EXPIRED_SWEEP_INTERVAL_MS) return false;
    this.lastSweep = now;
    const expired: string[] = [];
    const walk = (node: RetainedNode): void => {
      if (node.message !== undefined && isExpired(node.message, now)) expired.push(node.message.topic);
      for (const child of node.children.values()) walk(child);
    };
    walk(this.root);
    for (const topic of expired) this.delete(topic);
    return expired.length > 0;
  }

  private find(topic: string): Message | undefined {
    let node: RetainedNode | undefined = this.root;
    for (const level of topic.split('/')) {
      node = node.children.get(level);
      if (node === undefined) return undefined;
    }
    return node.message;
  }

  /** Stores, replaces, or with an empty payload clears the retained message of the topic [MQTT-3.3.1-5], [MQTT-3.3.1-10]. */
  apply(message: Message): void {
    if (message.payload.length === 0) this.delete(message.topic);
    else this.set(message);
  }

  private set(message: Message): void {
    const node = nodeAt(this.root, message.topic.split('/'), RetainedNode);
    if (node.message === undefined) this.count++;
    else this.totalBytes -= messageBytes(node.message);
    this.totalBytes += messageBytes(message);
    node.message = message;
    node.storedAt = Date.now();
  }

  private delete(topic: string): void {
    const levels = topic.split('/');
    const path = pathTo(this.root, levels);
    const node = path?.[levels.length];
    if (path === undefined || node?.message === undefined) return;
    this.totalBytes -= messageBytes(node.message);
    node.message = undefined;
    this.count--;
    pruneEmpty(path, levels);
  }

  /** Retained messages whose topic matches the filter, expired ones left out. */
  match(filter: string, now: number): Message[] {
    const out: Message[] = [];
    this.collect(this.root, filter.split('/'), 0, out, now);
    return out;
  }

  /**
   * match(), lazily and with when each message was stored, in no particular order, for the
   * tenant's browsing: the caller may pause between messages (the store may change meanwhile:
   * a message cleared before it is reached is not given). Expired messages are left out, not
   * forgotten.
   */
  *stored(filter: string, now: number): Generator<StoredRetained> {
    const levels = filter.split('/');
    const steps: WalkStep[] = [{ node: this.root, index: 0, all: false }];
    for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
      const { node, index, all } = step;
      const level = levels[index];
      if (all || index === levels.length || level === '#') {
        const message = node.message;
        if (message !== undefined && !isExpired(message, now)) yield { message, storedAt: node.storedAt };
      }
      if (all) {
        for (const child of node.children.values()) steps.push({ node: child, index, all });
        continue;
      }
      if (index === levels.length) continue;
      if (level === '#' || level === '+') {
        for (const [name, child] of node.children) {
          // [MQTT-4.7.2-1] wildcards at the first level do not match `$` topics.
          if (index === 0 && isDollar(name)) continue;
          steps.push(level === '#' ? { node: child, index, all: true } : { node: child, index: index + 1, all: false });
        }
        continue;
      }
      const child = node.children.get(level);
      if (child !== undefined) steps.push({ node: child, index: index + 1, all: false });
    }
  }

  private collect(node: RetainedNode, levels: readonly string[], index: number, out: Message[], now: number): void {
    if (index === levels.length) {
      this.take(node, out, now);
      return;
    }
    const level = levels[index];
    if (level === '#') {
      this.take(node, out, now);
      for (const [name, child] of node.children) {
        // [MQTT-4.7.2-1] wildcards at the first level do not match `$` topics.
        if (index === 0 && isDollar(name)) continue;
        this.collectAll(child, out, now);
      }
      return;
    }
    if (level === '+') {
      for (const [name, child] of node.children) {
        if (index === 0 && isDollar(name)) continue;
        this.collect(child, levels, index + 1, out, now);
      }
      return;
    }
    const child = node.children.get(level);
    if (child !== undefined) this.collect(child, levels, index + 1, out, now);
  }

  private collectAll(node: RetainedNode, out: Message[], now: number): void {
    this.take(node, out, now);
    for (const child of node.children.values()) this.collectAll(child, out, now);
  }

  private take(node: RetainedNode, out: Message[], now: number): void {
    const message = node.message;
    if (message === undefined) return;
    if (isExpired(message, now)) {
      // Lazily forget expired retained messages (MQTT 5.0 section 3.3.2.3.3).
      this.delete(message.topic);
      return;
    }
    out.push(message);
  }
}
