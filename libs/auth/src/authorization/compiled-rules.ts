import type { ConnectCredentials } from '../chain/authenticator';
import { sharedAnswer } from './authorization-chain';
import { EQ_PREFIX, type AclPermission, type AclRule, type Qos, type RulePlaceholder } from './acl-rule';
import { bucketFor, indexRules, type RuleIndex } from './rule-index';
import { filterCovers, isSafeLevelValue } from './topic-match';

/** What is checked: a PUBLISH (or will), a SUBSCRIBE filter, or a delivery (`subscribe` on the message's topic). */
export type AuthorizationAction = 'publish' | 'subscribe';

export interface AuthorizationRequest {
  action: AuthorizationAction;
  /** A topic name, or for `subscribe` a filter (a `$share/{group}/` prefix is stripped by the chain). */
  topic: string;
  qos: Qos;
  /** The PUBLISH retain flag; ignored for `subscribe`. */
  retain: boolean;
}

/** The values a client's rules are compiled with. */
export interface AuthorizationClient {
  clientId: string;
  username?: string;
  certCommonName?: string;
  certSubject?: string;
}

export function authorizationClientOf(credentials: Pick<ConnectCredentials, 'clientId' | 'username' | 'certificate'>): AuthorizationClient {
  return {
    clientId: credentials.clientId,
    username: credentials.username,
    certCommonName: credentials.certificate?.commonName,
    certSubject: credentials.certificate?.subject,
  };
}

/** A rule that matched: its permission, its position in the list it was compiled from, its id if stored. */
export interface RuleMatch {
  readonly kind: AclPermission;
  readonly index: number;
  readonly ruleId?: string;
}
export const NO_RULE_MATCHED = Object.freeze({ kind: 'no-match' as const });
export type RuleVerdict = RuleMatch | typeof NO_RULE_MATCHED;

const PUBLISH = 1;
const SUBSCRIBE = 2;
const ALL_QOS = 0b111;

interface CompiledRule {
  /** Its place in the client's compiled list. */
  readonly position: number;
  /** How many levels a request it matches has: exactly `minLevels` (no `#`), or at least (a trailing `#`). */
  readonly minLevels: number;
  readonly maxLevels: number;
  readonly actions: number;
  readonly qosMask: number;
  readonly retain: boolean | undefined;
  /** Set for an `eq` rule: the request must equal it. */
  readonly literal: string | undefined;
  readonly levels: readonly string[];
  /** Built once, returned by every check it decides: a check allocates nothing. */
  readonly match: RuleMatch;
}

/** One client's applicable rules, placeholders filled, levels split, indexed per action: what a check walks. */
export interface CompiledRules {
  /** In order: what the indexes are built from. */
  readonly rules: readonly CompiledRule[];
  readonly publish: RuleIndex<CompiledRule>;
  readonly subscribe: RuleIndex<CompiledRule>;
}

export type IdentifiedRule = AclRule & { id?: string };

function placeholderValue(client: AuthorizationClient, name: RulePlaceholder): string | undefined {
  switch (name) {
    case 'clientid':
      return client.clientId;
    case 'username':
      return client.username;
    case 'cert_common_name':
      return client.certCommonName;
    case 'cert_subject':
      return client.certSubject;
  }
}

const WHOLE_LEVEL_PLACEHOLDER = /^\$\{(clientid|username|cert_common_name|cert_subject)\}$/;

/**
 * The rule's levels with placeholders filled, or undefined when a value is missing, empty or
 * holds `/`, `+` or `#`: such a rule does not match at all for this client (a client id `#`
 * must never turn `devices/${clientid}/#` into `devices/#/#`, nor `a/b` reach another level).
 */
function filledLevels(topic: string, client: AuthorizationClient): string[] | undefined {
  const levels = topic.split('/');
  for (let i = 0; i < levels.length; i++) {
    const placeholder = WHOLE_LEVEL_PLACEHOLDER.exec(levels[i] as string);
    if (placeholder === null) continue;
    const value = placeholderValue(client, placeholder[1] as RulePlaceholder);
    if (!isSafeLevelValue(value)) return undefined;
    levels[i] = value;
  }
  return levels;
}

function actionsOf(rule: AclRule): number {
  if (rule.action === 'publish') return PUBLISH;
  if (rule.action === 'subscribe') return SUBSCRIBE;
  return PUBLISH | SUBSCRIBE;
}

function appliesTo(rule: AclRule, client: AuthorizationClient): boolean {
  if (rule.clientId !== undefined && rule.clientId !== client.clientId) return false;
  if (rule.username !== undefined && rule.username !== client.username) return false;
  return true;
}

/**
 * Compile once per client (at CONNECT and on a rule change): keep the rules whose `clientId` /
 * `username` select this client, fill placeholders, split levels. Rules are expected valid
 * (aclRuleSchema); the index of each match is its position in `rules`.
 */
export function compileRules(rules: readonly IdentifiedRule[], client: AuthorizationClient): CompiledRules {
  const compiled: CompiledRule[] = [];
  rules.forEach((rule, index) => {
    if (!appliesTo(rule, client)) return;
    const literal = rule.topic.startsWith(EQ_PREFIX) ? rule.topic.slice(EQ_PREFIX.length) : undefined;
    const levels = literal === undefined ? filledLevels(rule.topic, client) : [];
    if (levels === undefined) return;
    const match: RuleMatch = rule.id === undefined ? { kind: rule.permission, index } : { kind: rule.permission, index, ruleId: rule.id };
    const count = literal === undefined ? levels.length : levelsIn(literal);
    const trailingHash = literal === undefined && levels[levels.length - 1] === '#';
    compiled.push({
      position: compiled.length,
      minLevels: trailingHash ? count - 1 : count,
      maxLevels: trailingHash ? Number.MAX_SAFE_INTEGER : count,
      actions: actionsOf(rule),
      qosMask: rule.qos === undefined ? ALL_QOS : rule.qos.reduce<number>((mask, qos) => mask | (1 << qos), 0),
      retain: rule.retain,
      literal,
      levels,
      match: sharedAnswer(match),
    });
  });
  return {
    rules: compiled,
    publish: indexRules(compiled.filter((rule) => (rule.actions & PUBLISH) !== 0)),
    subscribe: indexRules(compiled.filter((rule) => (rule.actions & SUBSCRIBE) !== 0)),
  };
}

/** How many levels a topic or filter has: one more than its slashes. */
function levelsIn(topic: string): number {
  let count = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 0x2f) count++;
  return count;
}

function matches(rule: CompiledRule, action: number, qosBit: number, request: AuthorizationRequest): boolean {
  if ((rule.actions & action) === 0 || (rule.qosMask & qosBit) === 0) return false;
  if (action === PUBLISH && rule.retain !== undefined && rule.retain !== request.retain) return false;
  return rule.literal !== undefined ? rule.literal === request.topic : filterCovers(rule.levels, request.topic);
}

/**
 * First match wins; the request topic is a name or (for `subscribe`) an unshared filter. Walks
 * only what the action's index gives for the topic (rule-index.ts): its bucket and the shared
 * rules, merged by position, skipping rules made for another number of levels. The same answer
 * as `evaluateAllRules`.
 */
export function evaluateRules(compiled: CompiledRules, request: AuthorizationRequest): RuleVerdict {
  const action = request.action === 'publish' ? PUBLISH : SUBSCRIBE;
  const index = action === PUBLISH ? compiled.publish : compiled.subscribe;
  const keyed = bucketFor(index, request.topic);
  const shared = index.shared;
  const qosBit = 1 << request.qos;
  const levels = levelsIn(request.topic);
  let k = 0;
  let s = 0;
  while (k < keyed.length || s < shared.length) {
    const next = s === shared.length || (k < keyed.length && (keyed[k] as CompiledRule).position < (shared[s] as CompiledRule).position) ? keyed[k++] : shared[s++];
    const rule = next as CompiledRule;
    if (levels < rule.minLevels || levels > rule.maxLevels) continue;
    if (matches(rule, action, qosBit, request)) return rule.match;
  }
  return NO_RULE_MATCHED;
}

/** The same answer from a walk of every rule, in order: what the index must agree with (its spec). */
export function evaluateAllRules(compiled: CompiledRules, request: AuthorizationRequest): RuleVerdict {
  const action = request.action === 'publish' ? PUBLISH : SUBSCRIBE;
  const qosBit = 1 << request.qos;
  for (const rule of compiled.rules) if (matches(rule, action, qosBit, request)) return rule.match;
  return NO_RULE_MATCHED;
}
