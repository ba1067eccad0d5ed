import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { aclRuleSchema, type AclRule } from '@mqc/auth';
import { AclRuleEntity } from '@mqc/db';
import type { Caller } from '../../common/caller';
import { DomainError, ValidationError } from '../../common/domain-errors';
import { assertWithinQuota } from '../../common/edition-gate';
import { assertSamePermutation } from '../../common/provider-chain';
import { InstanceChanges } from '../instances/instance-changes';
import { InstanceRows } from '../instances/instance-rows';
import { OwnedInstances } from '../instances/owned-instances';
import { ImportRefused } from '../users/user-import.service';
import { parseCsvRules, parseJsonRules, type ImportedRule } from './acl-rule-import-parser';
import { aclRuleView, ruleColumns, ruleOf, type AclRuleView } from './acl-rule.view';

const CHANGE = { kind: 'authorization' } as const;
/** The optional fields a PATCH may clear by sending null (the field then covers every case again). */
const CLEARABLE = ['qos', 'retain', 'clientId', 'username'] as const;
/** Rules per INSERT … SELECT FROM unnest(…). */
const CHUNK = 5_000;

export interface RuleImportInput {
  /** `text/csv` (or `text/plain`) or `application/json`. */
  mediaType: string;
  body: unknown;
  /** The JSON text the body was parsed from, for line numbers. */
  rawJson?: string;
}

/** The rules of an instance's built-in authorization source (issue 13): ordered, first match wins. */
@Injectable()
export class AclRuleService {
  private readonly rows: InstanceRows<AclRuleEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: OwnedInstances,
    private readonly write: InstanceChanges,
  ) {
    this.rows = new InstanceRows(dataSource, instances, AclRuleEntity, 'acl-rule');
  }

  /** A page in evaluation order; the cursor is the last rule's position. */
  async list(tenantId: string, instanceId: string, limit: number, after?: string): Promise<{ items: AclRuleView[]; nextCursor: string | null }> {
    const { rows, nextCursor } = await this.rows.page(tenantId, instanceId, { key: { column: 'position', of: (r) => String(r.position) }, limit, after });
    return { items: rows.map(aclRuleView), nextCursor };
  }

  /** Every rule of the instance in order, as the engine reads them (the dry run compiles them). */
  async ordered(instanceId: string): Promise<(AclRule & { id: string })[]> {
    const rows = await this.dataSource.getRepository(AclRuleEntity).find({ where: { instanceId }, order: { position: 'ASC' } });
    return rows.map(ruleOf);
  }

  async get(tenantId: string, instanceId: string, ruleId: string): Promise<AclRuleView> {
    return aclRuleView(await this.rows.get(tenantId, instanceId, { id: ruleId }));
  }

  async create(tenantId: string, instanceId: string, rule: AclRule, caller: Caller): Promise<AclRuleView> {
    const created = await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      const count = await manager.countBy(AclRuleEntity, { instanceId });
      assertWithinQuota(instance.edition, 'aclRules', count);
      const saved = await manager.save(manager.create(AclRuleEntity, { instanceId, position: count, ...ruleColumns(rule) }));
      return { result: saved, audit: { action: 'acl-rule.create', resourceType: 'acl-rule', resourceId: saved.id, details: { instanceId, ...rule } }, change: CHANGE };
    });
    return aclRuleView(created);
  }

  /** Fields given replace the stored ones, null clears an optional one; the merged rule is validated again. */
  async update(tenantId: string, instanceId: string, ruleId: string, patch: Record<string, unknown>, caller: Caller): Promise<AclRuleView> {
    await this.rows.get(tenantId, instanceId, { id: ruleId });
    const updated = await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      const found = await this.rows.find(manager, instance, { id: ruleId });
      const { id: _id, ...current } = ruleOf(found);
      const merged: Record<string, unknown> = { ...current, ...patch };
      for (const field of CLEARABLE) if (patch[field] === null) delete merged[field];
      const parsed = aclRuleSchema.safeParse(merged);
      if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message })));
      Object.assign(found, ruleColumns(parsed.data));
      const saved = await manager.save(found);
      return { result: saved, audit: { action: 'acl-rule.update', resourceType: 'acl-rule', resourceId: ruleId, details: { instanceId, ...parsed.data } }, change: CHANGE };
    });
    return aclRuleView(updated);
  }

  async delete(tenantId: string, instanceId: string, ruleId: string, caller: Caller): Promise<void> {
    await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      const found = await this.rows.find(manager, instance, { id: ruleId });
      await manager.delete(AclRuleEntity, { id: found.id });
      await manager.query('UPDATE acl_rules SET position = position - 1 WHERE instance_id = $1 AND position > $2', [instanceId, found.position]);
      return { result: undefined, audit: { action: 'acl-rule.delete', resourceType: 'acl-rule', resourceId: ruleId, details: { instanceId } }, change: CHANGE };
    });
  }

  /** `ids` must name every rule of the instance exactly once; the answer is the first page of the new order. */
  async reorder(tenantId: string, instanceId: string, ids: string[], caller: Caller): Promise<{ items: AclRuleView[]; nextCursor: string | null }> {
    await this.write.apply({ tenantId, instanceId, caller }, async (manager) => {
      const rows = await manager.query<{ id: string }[]>('SELECT id FROM acl_rules WHERE instance_id = $1', [instanceId]);
      const wanted = ids.map((id) => id.toLowerCase());
      assertSamePermutation(rows.map((r) => r.id), wanted, 'must list every ACL rule of the instance exactly once');
      await manager.query(
        `UPDATE acl_rules r SET position = o.position - 1, updated_at = now()
           FROM unnest($2::uuid[]) WITH ORDINALITY AS o(id, position)
          WHERE r.instance_id = $1 AND r.id = o.id`,
        [instanceId, wanted],
      );
      const audit = { action: 'acl-rule.reorder', resourceType: 'instance', resourceId: instanceId, details: { count: wanted.length } };
      return { result: undefined, audit, change: CHANGE };
    });
    return this.list(tenantId, instanceId, 100);
  }

  /** All rules of the file or none, appended after the existing ones in file order; a bad line is reported by number. */
  async import(tenantId: string, instanceId: string, input: RuleImportInput, caller: Caller): Promise<{ imported: number }> {
    await this.instances.find(tenantId, instanceId);
    const { rules, problems } = this.parse(input);
    if (problems.length > 0) throw new ImportRefused(problems);
    await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      const count = await manager.countBy(AclRuleEntity, { instanceId });
      assertWithinQuota(instance.edition, 'aclRules', count, rules.length);
      for (let start = 0; start < rules.length; start += CHUNK) await insertRules(manager, instanceId, count + start, rules.slice(start, start + CHUNK));
      return { result: undefined, audit: { action: 'acl-rule.import', resourceType: 'instance', resourceId: instanceId, details: { instanceId, count: rules.length } }, change: CHANGE };
    });
    return { imported: rules.length };
  }

  private parse(input: RuleImportInput): { rules: ImportedRule[]; problems: { line: number; field: string; message: string }[] } {
    if (input.mediaType === 'application/json') return parseJsonRules(input.body, input.rawJson);
    if (input.mediaType === 'text/csv' || input.mediaType === 'text/plain') {
      if (typeof input.body !== 'string') throw new ImportRefused([{ line: 1, field: '(body)', message: 'send the CSV file as the body' }]);
      return parseCsvRules(input.body);
    }
    throw new DomainError('unsupported-media-type', 'unsupported-media-type', 'send text/csv or application/json', { accepted: ['text/csv', 'application/json'] });
  }
}

async function insertRules(manager: EntityManager, instanceId: string, firstPosition: number, rules: readonly ImportedRule[]): Promise<void> {
  const columns = rules.map((r) => ruleColumns(r.rule));
  await manager.query(
    `INSERT INTO acl_rules (instance_id, position, permission, action, topic, qos, retain, client_id, username)
     SELECT $1, $2 + r.n - 1, r.permission, r.action, r.topic,
            CASE WHEN r.qos IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(r.qos)::smallint) END,
            r.retain, r.client_id, r.username
       FROM unnest($3::text[], $4::text[], $5::text[], $6::jsonb[], $7::boolean[], $8::text[], $9::text[])
            WITH ORDINALITY AS r(permission, action, topic, qos, retain, client_id, username, n)`,
    [
      instanceId,
      firstPosition,
      columns.map((c) => c.permission),
      columns.map((c) => c.action),
      columns.map((c) => c.topic),
      columns.map((c) => (c.qos === null ? null : JSON.stringify(c.qos))),
      columns.map((c) => c.retain),
      columns.map((c) => c.clientId),
      columns.map((c) => c.username),
    ],
  );
}
