import { Body, Param, Query, Req } from '@nestjs/common';
import { z } from 'zod';
import { aclRulePatchSchema, aclRuleSchema } from '@mqc/auth';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { ValidationError } from '../../common/domain-errors';
import { parseInput } from '../../common/parse-input';
import { IMPORT_BODY_LIMIT } from '../../common/request-body';
import { BodyLimit, type RequestWithBody } from '../../common/request-body.interceptor';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { DeleteRoute, GetRoute, PatchRoute, PostRoute, PutRoute } from '../../common/route';
import { orderSchema } from '../authenticators/authenticator.dto';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import { aclRuleImportCsvSchema, aclRuleImportResultSchema, aclRulePageSchema, aclRuleViewSchema, listAclRulesSchema } from './acl-rule.dto';
import { AclRuleService } from './acl-rule.service';

const ruleId = new ResourceIdPipe('acl-rule');
const CLEARABLE = ['qos', 'retain', 'clientId', 'username'];

/** A PATCH body: null in an optional field clears it; the rest is checked by the patch schema. */
function parsePatch(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return parseInput(aclRulePatchSchema, body);
  const given = body as Record<string, unknown>;
  if (Object.keys(given).length === 0) throw new ValidationError([{ field: '(body)', message: 'give at least one field to change' }]);
  const cleared = CLEARABLE.filter((k) => given[k] === null);
  const rest = Object.fromEntries(Object.entries(given).filter(([k]) => !cleared.includes(k)));
  return { ...parseInput(aclRulePatchSchema, rest), ...Object.fromEntries(cleared.map((k) => [k, null])) };
}

@InstanceScopedController('acl-rules')
export class AclRuleController {
  constructor(private readonly rules: AclRuleService) {}

  @GetRoute({ summary: 'The built-in authorization rules, in evaluation order (first match wins)', query: listAclRulesSchema, response: aclRulePageSchema, problems: [422] })
  list(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Query() query: unknown) {
    const { limit, after } = parseInput(listAclRulesSchema, query);
    return this.rules.list(caller.tenantId, id, limit, after);
  }

  @PostRoute({
    summary: 'Append a rule',
    description: 'A rule with neither clientId nor username applies to every client. Topics take ${clientid}, ${username}, ${cert_common_name} and ${cert_subject} as whole levels; "eq " matches a filter literally.',
    body: aclRuleSchema,
    response: aclRuleViewSchema,
    problems: [409, 422],
  })
  create(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return this.rules.create(caller.tenantId, id, parseInput(aclRuleSchema, body), caller);
  }

  // Declared before ':ruleId' so that "order" and "import" are not taken for an id.
  @PutRoute('order', {
    summary: 'Reorder the rules: ids lists every rule of the instance once',
    description: 'The answer is the first page (100 rules) of the new order.',
    body: orderSchema,
    response: aclRulePageSchema,
    problems: [422],
  })
  // 100,000 rule ids (platinum) are about 4 MB of JSON.
  @BodyLimit(IMPORT_BODY_LIMIT)
  reorder(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return this.rules.reorder(caller.tenantId, id, parseInput(orderSchema, body).ids, caller);
  }

  @PostRoute('import', {
    summary: 'Import rules from CSV or JSON, all or nothing, appended after the existing rules',
    description: 'A bad line is a 422 import-invalid listing {line, field, message} (at most 100, errorCount says how many); nothing is written.',
    body: { description: 'the rules', content: { 'text/csv': aclRuleImportCsvSchema, 'application/json': z.array(aclRuleSchema) } },
    response: aclRuleImportResultSchema,
    problems: [409, 415, 422],
  })
  @BodyLimit(IMPORT_BODY_LIMIT)
  import(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown, @Req() request: RequestWithBody) {
    return this.rules.import(caller.tenantId, id, { mediaType: request.bodyMediaType ?? '', body, rawJson: request.bodyText }, caller);
  }

  @GetRoute(':ruleId', { summary: 'One rule', response: aclRuleViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('ruleId', ruleId) rid: string) {
    return this.rules.get(caller.tenantId, id, rid);
  }

  @PatchRoute(':ruleId', { summary: 'Change fields of a rule (null clears qos, retain, clientId or username)', body: aclRulePatchSchema, response: aclRuleViewSchema, problems: [422] })
  update(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('ruleId', ruleId) rid: string, @Body() body: unknown) {
    return this.rules.update(caller.tenantId, id, rid, parsePatch(body), caller);
  }

  @DeleteRoute(':ruleId', { summary: 'Delete a rule' })
  async delete(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('ruleId', ruleId) rid: string) {
    await this.rules.delete(caller.tenantId, id, rid, caller);
  }
}
