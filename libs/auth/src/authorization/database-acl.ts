import { ACL_ACTIONS, clientAclRuleSchema, type AclRule, type Qos } from './acl-rule';
import type { IdentifiedRule } from './compiled-rules';

/**
 * The rows of the postgresql, mysql and redis authorizers (EMQX's shapes) turned into the
 * engine's rules. A row that cannot be read makes the whole answer unreadable, naming the row:
 * the authorizer then fails closed rather than skip a deny it could not read.
 */
export type DatabaseAcl = { kind: 'rules'; rules: IdentifiedRule[] } | { kind: 'unreadable'; reason: string };

/** At most this many rows are read for one client: an answer beyond it is unreadable. */
export const MAX_DATABASE_ACL_ROWS = 1_000;

function unreadable(reason: string): DatabaseAcl {
  return { kind: 'unreadable', reason };
}

function isAbsent(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

/** `qos`: absent, a number 0–2, a list "0,1" (EMQX), or an array (a PostgreSQL int[]). */
function qosOf(value: unknown): Qos[] | undefined | string {
  if (isAbsent(value)) return undefined;
  const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : Array.isArray(value) ? value : [value];
  const levels: Qos[] = [];
  for (const item of items) {
    const level = typeof item === 'string' && /^[012]$/.test(item) ? Number(item) : item;
    if (level !== 0 && level !== 1 && level !== 2) return `qos must be 0, 1, 2 or a list like "0,1", not ${JSON.stringify(value)}`;
    if (!levels.includes(level)) levels.push(level);
  }
  return levels;
}

const TRUE = new Set<unknown>([true, 1, '1', 'true']);
const FALSE = new Set<unknown>([false, 0, '0', 'false']);

/** `retain`: absent, a boolean, 1/0 (a MySQL tinyint) or "true"/"false"/"1"/"0". */
function retainOf(value: unknown): boolean | undefined | string {
  if (isAbsent(value)) return undefined;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return `retain must be true or false (or 1/0), not ${JSON.stringify(value)}`;
}

/**
 * SQL rows `{permission, action, topic, qos?, retain?}` in the order the query returned them
 * (other columns are ignored). A subscribe row's `retain` is ignored (one column serves
 * every row). Ids are `row[0]`, `row[1]`…
 */
export function parseAclRows(rows: readonly Record<string, unknown>[]): DatabaseAcl {
  if (rows.length > MAX_DATABASE_ACL_ROWS) return unreadable(`the query returned ${rows.length} rows; at most ${MAX_DATABASE_ACL_ROWS} are read for one client`);
  const rules: IdentifiedRule[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Record<string, unknown>;
    const qos = qosOf(row['qos']);
    if (typeof qos === 'string') return unreadable(`row[${i}]: ${qos}`);
    const retain = retainOf(row['retain']);
    if (typeof retain === 'string') return unreadable(`row[${i}]: ${retain}`);
    const candidate: Record<string, unknown> = { permission: row['permission'], action: row['action'], topic: row['topic'] };
    if (qos !== undefined) candidate['qos'] = qos;
    if (retain !== undefined && row['action'] !== 'subscribe') candidate['retain'] = retain;
    const parsed = clientAclRuleSchema.safeParse(candidate);
    if (!parsed.success) {
      const why = parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
      return unreadable(`row[${i}]: ${why}`);
    }
    const rule: AclRule = parsed.data;
    rules.push({ ...rule, id: `row[${i}]` });
  }
  return { kind: 'rules', rules };
}

/**
 * A Redis hash `{topic: action}` (EMQX): every entry allows; ids are the topics. The hash has
 * no order, and needs none: allows only, any match decides the same.
 */
export function parseRedisAclHash(hash: Readonly<Record<string, string>>): DatabaseAcl {
  const entries = Object.entries(hash);
  if (entries.length > MAX_DATABASE_ACL_ROWS) return unreadable(`the hash has ${entries.length} fields; at most ${MAX_DATABASE_ACL_ROWS} are read for one client`);
  const rules: IdentifiedRule[] = [];
  for (const [topic, action] of entries) {
    if (!(ACL_ACTIONS as readonly string[]).includes(action)) {
      return unreadable(`field ${JSON.stringify(topic)}: action must be publish, subscribe or all, not ${JSON.stringify(action)}`);
    }
    const parsed = clientAclRuleSchema.safeParse({ permission: 'allow', action, topic });
    if (!parsed.success) return unreadable(`field ${JSON.stringify(topic)}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
    rules.push({ ...parsed.data, id: topic });
  }
  return { kind: 'rules', rules };
}
