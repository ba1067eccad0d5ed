import { z } from 'zod';
import { clientAclRuleSchema, ruleTopicProblem, type AclAction, type AclRule } from './acl-rule';
import { compileRules, type AuthorizationClient, type CompiledRules, type IdentifiedRule } from './compiled-rules';

/** A client's own rules, from its JWT `acl` claim or its HTTP authentication answer. */
export interface ClientAcl {
  kind: 'acl';
  /** `v1`: the JWT object `{pub, sub, all}`; `v2`: the JWT array; `http`: the HTTP answer's array (v2's shape). */
  format: 'v1' | 'v2' | 'http';
  /** Ids name the claim's entry: `pub[0]`, `acl[3]`. */
  rules: IdentifiedRule[];
  /** v1 is a list of allowed topics: no match denies. v2 and http: no match falls through. */
  onNoMatch: 'deny' | 'fall-through';
}

/** A claim that cannot be read: the client gets no rules from it (what follows is the caller's policy). */
export interface MalformedAcl {
  kind: 'malformed';
  reason: string;
}

/** At most this many rules in one claim: a token is not a rule database. */
export const MAX_CLIENT_ACL_RULES = 1_000;

const V1_KEYS: Readonly<Record<string, AclAction>> = { pub: 'publish', sub: 'subscribe', all: 'all' };

function malformed(reason: string): MalformedAcl {
  return { kind: 'malformed', reason };
}

function tooMany(count: number): MalformedAcl | undefined {
  return count > MAX_CLIENT_ACL_RULES ? malformed(`acl has ${count} rules; at most ${MAX_CLIENT_ACL_RULES} are read`) : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseV1(claim: Record<string, unknown>): ClientAcl | MalformedAcl {
  const unknown = Object.keys(claim).filter((key) => !(key in V1_KEYS));
  if (unknown.length > 0) return malformed(`acl (v1) has unknown key(s) ${unknown.join(', ')}; use pub, sub, all`);
  const rules: IdentifiedRule[] = [];
  for (const key of ['pub', 'sub', 'all'] as const) {
    const topics = claim[key];
    if (topics === undefined) continue;
    if (!Array.isArray(topics)) return malformed(`acl.${key} must be an array of topic filters`);
    for (let i = 0; i < topics.length; i++) {
      const topic: unknown = topics[i];
      if (typeof topic !== 'string') return malformed(`acl.${key}[${i}] must be a string`);
      const problem = ruleTopicProblem(topic);
      if (problem) return malformed(`acl.${key}[${i}]: ${problem}`);
      rules.push({ permission: 'allow', action: V1_KEYS[key] as AclAction, topic, id: `${key}[${i}]` });
    }
  }
  return tooMany(rules.length) ?? { kind: 'acl', format: 'v1', rules, onNoMatch: 'deny' };
}

function parseRuleArray(claim: readonly unknown[], format: 'v2' | 'http'): ClientAcl | MalformedAcl {
  const limit = tooMany(claim.length);
  if (limit) return limit;
  const rules: IdentifiedRule[] = [];
  for (let i = 0; i < claim.length; i++) {
    const parsed = clientAclRuleSchema.safeParse(claim[i]);
    if (!parsed.success) return malformed(`acl[${i}]: ${describe(parsed.error)}`);
    const rule: AclRule = parsed.data;
    rules.push({ ...rule, id: `acl[${i}]` });
  }
  return { kind: 'acl', format, rules, onNoMatch: 'fall-through' };
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

/** The JWT `acl` claim in either EMQX format: v1 `{pub, sub, all}` or v2 `[{permission, action, topic, qos?, retain?}]`. */
export function parseJwtAclClaim(claim: unknown): ClientAcl | MalformedAcl {
  if (Array.isArray(claim)) return parseRuleArray(claim, 'v2');
  if (isPlainObject(claim)) return parseV1(claim);
  return malformed('acl must be an object {"pub", "sub", "all"} (v1) or an array of rules (v2)');
}

/** The `acl` array of an HTTP authentication answer (v2's shape). */
export function parseHttpAclField(acl: unknown): ClientAcl | MalformedAcl {
  if (!Array.isArray(acl)) return malformed('acl must be an array of rules [{"permission", "action", "topic", "qos"?, "retain"?}]');
  return parseRuleArray(acl, 'http');
}

/** A client's acl compiled for it: what the `client-info` authorizer checks. */
export interface CompiledClientAcl {
  readonly format: ClientAcl['format'];
  readonly compiled: CompiledRules;
  readonly onNoMatch: ClientAcl['onNoMatch'];
}

export function compileClientAcl(acl: ClientAcl, client: AuthorizationClient): CompiledClientAcl {
  return { format: acl.format, compiled: compileRules(acl.rules, client), onNoMatch: acl.onNoMatch };
}
