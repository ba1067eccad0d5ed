import type { AclRule } from '@mqc/auth';
import type { AclRuleEntity } from '@mqc/db';

export type AclRuleView = AclRule & { id: string; position: number; createdAt: Date; updatedAt: Date };

/** The stored rule as the engine reads it: absent fields left out, not null. */
export function ruleOf(row: AclRuleEntity): AclRule & { id: string } {
  return {
    id: row.id,
    permission: row.permission,
    action: row.action,
    topic: row.topic,
    ...(row.qos === null ? {} : { qos: row.qos.map(Number) as AclRule['qos'] }),
    ...(row.retain === null ? {} : { retain: row.retain }),
    ...(row.clientId === null ? {} : { clientId: row.clientId }),
    ...(row.username === null ? {} : { username: row.username }),
  };
}

export function aclRuleView(row: AclRuleEntity): AclRuleView {
  return { ...ruleOf(row), position: row.position, createdAt: row.createdAt, updatedAt: row.updatedAt };
}

/** The columns of a rule to store. */
export function ruleColumns(rule: AclRule): Pick<AclRuleEntity, 'permission' | 'action' | 'topic' | 'qos' | 'retain' | 'clientId' | 'username'> {
  return {
    permission: rule.permission,
    action: rule.action,
    topic: rule.topic,
    qos: rule.qos ?? null,
    retain: rule.retain ?? null,
    clientId: rule.clientId ?? null,
    username: rule.username ?? null,
  };
}
