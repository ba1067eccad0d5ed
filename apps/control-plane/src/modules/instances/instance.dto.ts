import { z } from 'zod';
import { ANONYMOUS_POLICIES, BACKEND_FAILURE_POLICIES, DENY_ACTIONS, INSTANCE_STATUSES, NO_MATCH_POLICIES } from '@mqc/domain';
import { EDITION_NAMES } from '@mqc/editions';

const name = z.string().trim().min(1).max(100);
const edition = z.enum(EDITION_NAMES, { message: `must be one of ${EDITION_NAMES.join(', ')}` });

export const createInstanceSchema = z.object({ name, edition }).strict();
export const updateInstanceSchema = z
  .object({ name: name.optional(), edition: edition.optional() })
  .strict()
  .refine((body) => body.name !== undefined || body.edition !== undefined, 'give name, edition or both');

export const listInstancesSchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

/** Issue 13: what no authorizer decided, and what a denial does to the connection. */
export const authorizationPolicySchema = z
  .object({
    noMatch: z.enum(NO_MATCH_POLICIES, { error: 'noMatch must be allow or deny' }),
    denyAction: z.enum(DENY_ACTIONS, { error: 'denyAction must be ignore or disconnect' }),
  })
  .strict();

export const accessPolicySchema = z
  .object({
    anonymous: z.enum(ANONYMOUS_POLICIES),
    onBackendFailure: z.enum(BACKEND_FAILURE_POLICIES),
    authorization: authorizationPolicySchema.optional().describe('left out: the authorization policy stays as it is'),
  })
  .strict();

export const instanceViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  edition: z.enum(EDITION_NAMES),
  status: z.enum(INSTANCE_STATUSES),
  statusReason: z.string().nullable(),
  endpoints: z
    .object({
      mqtt: z.string().optional().describe("the instance's own ports (mqtt, mqtts, ws, wss): absent for an instance whose edition is served on the shared endpoint only"),
      mqtts: z.string().optional(),
      ws: z.string().optional(),
      wss: z.string().optional().describe('MQTT over WebSocket over TLS, on the mqtts port (a connection whose first bytes are an HTTP request is upgraded at /mqtt)'),
      mqttsShared: z.string().optional().describe("the broker nodes' shared MQTT-over-TLS endpoint, by TLS server name <instance id>.<MQC_PUBLIC_DOMAIN>; only when the deployment has one"),
      wssShared: z.string().optional().describe('MQTT over WebSocket over TLS on the shared endpoint, by the same server name; only when the deployment has one'),
    })
    .nullable()
    .describe('null until provisioning has allocated the ports; only mqttsShared and wssShared for an instance whose edition gets no ports of its own (basic, where the deployment has a shared endpoint)'),
  accessPolicy: z.object({ anonymous: z.enum(ANONYMOUS_POLICIES), onBackendFailure: z.enum(BACKEND_FAILURE_POLICIES), authorization: authorizationPolicySchema }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export const instancePageSchema = z.object({ items: z.array(instanceViewSchema), nextCursor: z.string().nullable() });
