/**
 * The index of one client's compiled rules for one action: which rules a request may match, by
 * the literal at one topic level. A check walks only those, in their order; the first match
 * still decides, exactly as a walk of every rule would (rule-index.spec.ts compares both over
 * random rules and topics). Built once per client and action at compile time; a lookup hashes
 * one level of the request in place and allocates nothing.
 *
 * At the chosen level `depth`, a rule is
 * - keyed by its literal there (`devices/${clientid}/#` or `+/${clientid}` at depth 1: the
 *   client's id, filled): it can match only a request with the same text at that level, since
 *   every level before it (a literal or `+`) takes exactly one level of the request;
 * - shared when a `+` is at that level or a `#` at or before it (`a/+`, `a/#` at depth 1, `#`):
 *   it may match whatever the request holds there. Shared rules are kept once, not in every bucket
 *   (an instance may hold 100,000 rules): a check walks its bucket and the shared rules merged
 *   by position;
 * - short, when it has fewer levels and no `#`: it can match only a request with fewer levels.
 * An `eq` rule is keyed by its literal text's level (`eq a/#` at depth 1 by `#`), or short.
 * The depth is the one (0 to 7) whose largest bucket (with the shared rules) is smallest: the
 * first level when rules differ there (`devices/…`, `fleet/…`), a deeper one when they share
 * it (`acme/devices/…`); judged on at most 1,024 rules, an even sample of a longer list, so a
 * CONNECT to an instance with 100,000 rules does not pay eight passes over them.
 */

const SLASH = 0x2f;
const HASH = 0x23;
const PLUS = 0x2b;
const DEEPEST = 7;

/** What the index reads of a compiled rule. */
export interface IndexedRule {
  /** Its place in the client's compiled list: the order a merged walk keeps. */
  readonly position: number;
  /** Set for an `eq` rule: the request must equal it. */
  readonly literal: string | undefined;
  readonly levels: readonly string[];
}

export interface RuleIndex<R> {
  readonly depth: number;
  /** Table size − 1 (a power of two): a level's bucket is `buckets[hash & mask]`. */
  readonly mask: number;
  /** The keyed rules of the keys on that place (two keys may share one), in order. */
  readonly buckets: readonly (readonly R[])[];
  /** For a request with fewer than `depth + 1` levels: the short rules, in order. */
  readonly short: readonly R[];
  /** The rules every request may match, in order: walked merged with the request's bucket. */
  readonly shared: readonly R[];
}

const SHARED = 0;
const SHORT = 1;
type Placement = typeof SHARED | typeof SHORT | string;

/** FNV-1a over `text[start, end)`: the same number for a rule's level and a request's level. */
function levelHash(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function isWildcard(level: string): boolean {
  return level.length === 1 && (level.charCodeAt(0) === HASH || level.charCodeAt(0) === PLUS);
}

/** Where a rule goes at `depth`: the literal it is keyed by, or SHARED, or SHORT. */
function placementOf(rule: IndexedRule, depth: number): Placement {
  if (rule.literal !== undefined) {
    const levels = rule.literal.split('/');
    return depth < levels.length ? (levels[depth] as string) : SHORT;
  }
  const levels = rule.levels;
  for (let i = 0; i < depth; i++) {
    if (i === levels.length) return SHORT; // fewer levels, no `#` among them
    if (levels[i] === '#') return SHARED; // a `+` before takes one level, as a literal does
  }
  if (depth === levels.length) return SHORT;
  const level = levels[depth] as string;
  return isWildcard(level) ? SHARED : level;
}

/** The largest bucket a depth gives: what a check walks at worst. */
function worstBucket(rules: readonly IndexedRule[], depth: number): number {
  let shared = 0;
  let short = 0;
  const keyed = new Map<string, number>();
  for (const rule of rules) {
    const placement = placementOf(rule, depth);
    if (placement === SHARED) shared++;
    else if (placement === SHORT) short++;
    else keyed.set(placement, (keyed.get(placement) ?? 0) + 1);
  }
  let largest = short;
  for (const count of keyed.values()) if (count > largest) largest = count;
  return shared + largest;
}

function levelCount(rule: IndexedRule): number {
  return rule.literal !== undefined ? rule.literal.split('/').length : rule.levels.length;
}

/** Rules a depth is judged on at most: an even sample of a larger list (the choice only steers speed, never the answer). */
const JUDGED_RULES = 1_024;

function bestDepth(all: readonly IndexedRule[]): number {
  const step = Math.ceil(all.length / JUDGED_RULES);
  const rules = step === 1 ? all : all.filter((_, i) => i % step === 0);
  let deepest = -1;
  for (const rule of rules) deepest = Math.max(deepest, Math.min(DEEPEST, levelCount(rule) - 1));
  let best = 0;
  let bestWorst = Number.POSITIVE_INFINITY;
  for (let depth = 0; depth <= deepest; depth++) {
    const worst = worstBucket(rules, depth);
    if (worst < bestWorst) [best, bestWorst] = [depth, worst];
  }
  return best;
}

/** Index `rules` (one client's, for one action, in order). */
export function indexRules<R extends IndexedRule>(rules: readonly R[]): RuleIndex<R> {
  const depth = bestDepth(rules);
  const placements = rules.map((rule) => placementOf(rule, depth));
  const keys = new Set(placements.filter((p): p is string => typeof p === 'string'));
  let size = 1;
  while (size < keys.size * 2) size *= 2;
  const mask = size - 1;
  const empty: readonly R[] = Object.freeze([]);
  const buckets: (readonly R[])[] = new Array<readonly R[]>(size).fill(empty); // a place no key lands on shares one empty bucket
  const short: R[] = [];
  const shared: R[] = [];
  rules.forEach((rule, i) => {
    const placement = placements[i] as Placement;
    if (placement === SHORT) short.push(rule);
    else if (placement === SHARED) shared.push(rule);
    else {
      const place = levelHash(placement, 0, placement.length) & mask;
      if (buckets[place] === empty) buckets[place] = [];
      (buckets[place] as R[]).push(rule);
    }
  });
  return { depth, mask, buckets, short, shared };
}

/** The keyed rules that may match `topic` (a name, or an unshared filter), in order; walk them merged with `index.shared`. */
export function bucketFor<R>(index: RuleIndex<R>, topic: string): readonly R[] {
  const length = topic.length;
  let start = 0;
  for (let level = 0; level < index.depth; level++) {
    while (start < length && topic.charCodeAt(start) !== SLASH) start++;
    if (start === length) return index.short;
    start++;
  }
  let end = start;
  while (end < length && topic.charCodeAt(end) !== SLASH) end++;
  return index.buckets[levelHash(topic, start, end) & index.mask] as readonly R[];
}
