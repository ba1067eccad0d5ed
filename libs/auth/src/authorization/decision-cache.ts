import type { AuthorizationRequest } from './compiled-rules';

/** Slots per topic: publish × qos × retain (6), subscribe × qos (3; retain does not matter). */
const SLOTS = 9;

function slotOf(request: AuthorizationRequest): number {
  return request.action === 'publish' ? request.qos * 2 + (request.retain ? 1 : 0) : 6 + request.qos;
}

/**
 * One client's decisions by (action, topic, qos, retain). A lookup is a Map read and an array
 * index: no key is built, nothing is allocated on a hit. Bounded by `maxTopics`: a new topic
 * beyond it clears the cache (cheaper than LRU bookkeeping on every hit; a client that cycles
 * through more topics than that pays a rule walk per miss, which is what it would pay anyway).
 * A generation other than the cached one empties it first: bump the generation on a change.
 */
export class DecisionCache<T> {
  private readonly byTopic = new Map<string, (T | undefined)[]>();
  private generation: number;

  constructor(
    private readonly maxTopics: number,
    generation = 0,
  ) {
    if (!Number.isInteger(maxTopics) || maxTopics < 1) throw new RangeError(`maxTopics must be a positive integer, got ${maxTopics}`);
    this.generation = generation;
  }

  /** Topics held (each with up to nine decisions). */
  get size(): number {
    return this.byTopic.size;
  }

  get(generation: number, request: AuthorizationRequest): T | undefined {
    if (generation !== this.generation) {
      this.reset(generation);
      return undefined;
    }
    return this.byTopic.get(request.topic)?.[slotOf(request)];
  }

  set(generation: number, request: AuthorizationRequest, value: T): void {
    if (generation !== this.generation) this.reset(generation);
    let slots = this.byTopic.get(request.topic);
    if (slots === undefined) {
      if (this.byTopic.size >= this.maxTopics) this.byTopic.clear();
      slots = new Array<T | undefined>(SLOTS);
      this.byTopic.set(request.topic, slots);
    }
    slots[slotOf(request)] = value;
  }

  private reset(generation: number): void {
    this.byTopic.clear();
    this.generation = generation;
  }
}
