import type { AuthorizationRequest } from './compiled-rules';

/** Slots per topic: publish × qos × retain (6), subscribe × qos (3; retain does not matter). */
const SLOTS = 9;
/** Topics a cache holds before it first grows: what most clients ever use. */
const INITIAL_TOPICS = 16;

function slotOf(request: AuthorizationRequest): number {
  return request.action === 'publish' ? request.qos * 2 + (request.retain ? 1 : 0) : 6 + request.qos;
}

/** FNV-1a over the UTF-16 code units: the topic's place in the table. */
function hashOf(topic: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) hash = Math.imul(hash ^ topic.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * The last topic hashed, shared by every cache: a delivery checks one message's topic against
 * each subscriber's cache in turn, and the `set` after a missed `get` asks again.
 */
let lastTopic = '';
let lastHash = hashOf('');

function lastHashOf(topic: string): number {
  if (topic !== lastTopic) {
    lastTopic = topic;
    lastHash = hashOf(topic);
  }
  return lastHash;
}

/**
 * One client's decisions by (action, topic, qos, retain), in two flat arrays: a direct-mapped
 * table of topics (each topic has one place, from its hash) and nine decision slots per place.
 * A hit or a miss allocates nothing: a new topic takes its place's slot, evicting only the topic
 * that held it. The table starts at 16 places and doubles (rehashing what it holds) when a new
 * topic lands on a taken place, up to `maxTopics`; beyond that, a client that cycles through more
 * topics evicts one per miss and pays a rule walk, which is what it would pay anyway. Values are
 * expected to be shared objects (the chain's decisions), so the table holds references only.
 * A generation other than the cached one empties it first: bump the generation on a change.
 */
export class DecisionCache<T> {
  private topics: (string | undefined)[];
  private decisions: (T | undefined)[];
  private held = 0;
  private generation: number;

  constructor(
    private readonly maxTopics: number,
    generation = 0,
  ) {
    if (!Number.isInteger(maxTopics) || maxTopics < 1) throw new RangeError(`maxTopics must be a positive integer, got ${maxTopics}`);
    this.generation = generation;
    // The table is made on the first decision kept: a client that never publishes or subscribes holds none.
    this.topics = [];
    this.decisions = [];
  }

  /** Topics held (each with up to nine decisions). */
  get size(): number {
    return this.held;
  }

  get(generation: number, request: AuthorizationRequest): T | undefined {
    if (generation !== this.generation) {
      this.reset(generation);
      return undefined;
    }
    if (this.topics.length === 0) return undefined;
    const place = lastHashOf(request.topic) % this.topics.length;
    return this.topics[place] === request.topic ? this.decisions[place * SLOTS + slotOf(request)] : undefined;
  }

  set(generation: number, request: AuthorizationRequest, value: T): void {
    if (generation !== this.generation) this.reset(generation);
    if (this.topics.length === 0) {
      const places = Math.min(INITIAL_TOPICS, this.maxTopics);
      this.topics = new Array<string | undefined>(places).fill(undefined);
      this.decisions = new Array<T | undefined>(places * SLOTS).fill(undefined);
    }
    const hash = lastHashOf(request.topic);
    let place = hash % this.topics.length;
    const holder = this.topics[place];
    if (holder !== request.topic) {
      if (holder !== undefined && this.topics.length < this.maxTopics) {
        this.grow();
        place = hash % this.topics.length;
      }
      this.take(place, request.topic);
    }
    this.decisions[place * SLOTS + slotOf(request)] = value;
  }

  /** `topic` holds `place` from now on, with no decision yet. */
  private take(place: number, topic: string): void {
    if (this.topics[place] === undefined) this.held++;
    else if (this.topics[place] !== topic) for (let slot = place * SLOTS, end = slot + SLOTS; slot < end; slot++) this.decisions[slot] = undefined; // a loop: `fill` with a range costs more on this path
    this.topics[place] = topic;
  }

  private grow(): void {
    const oldTopics = this.topics;
    const oldDecisions = this.decisions;
    const places = Math.min(oldTopics.length * 2, this.maxTopics);
    this.topics = new Array<string | undefined>(places).fill(undefined);
    this.decisions = new Array<T | undefined>(places * SLOTS).fill(undefined);
    this.held = 0;
    for (let old = 0; old < oldTopics.length; old++) {
      const topic = oldTopics[old];
      if (topic === undefined) continue;
      const place = hashOf(topic) % places;
      if (this.topics[place] !== undefined) continue; // two old topics on one new place: the first stays
      this.take(place, topic);
      for (let slot = 0; slot < SLOTS; slot++) this.decisions[place * SLOTS + slot] = oldDecisions[old * SLOTS + slot];
    }
  }

  private reset(generation: number): void {
    this.topics.fill(undefined);
    this.decisions.fill(undefined);
    this.held = 0;
    this.generation = generation;
  }
}
