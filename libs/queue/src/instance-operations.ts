import { z } from 'zod';
import { AUTHENTICATOR_TYPES, AUTHORIZER_TYPES, authorizationCheckSchema } from '@mqc/auth';
import { instanceOperation } from './instance-request-bus';

/**
 * What the control plane asks the broker node serving an instance (InstanceRequestBus), with
 * the bounds that keep every reply within its size: a page of clients or retained messages is
 * at most MAX_PAGE items, a retained payload travels inline up to INLINE_PAYLOAD_BYTES, a
 * client's detail lists at most MAX_DETAIL_SUBSCRIPTIONS subscriptions.
 */
export const MAX_PAGE = 200;
export const INLINE_PAYLOAD_BYTES = 4 * 1024;
export const MAX_DETAIL_SUBSCRIPTIONS = 1_000;
/** Client ids, user names and topics travel as given: an MQTT string is at most 65535 bytes. */
export const MAX_KEY = 65_535;
/** A page's reply stops before its items' JSON passes this (long client ids): fewer items, and a cursor. */
export const MAX_PAGE_JSON_BYTES = 6 * 1024 * 1024;
const MIB = 1024 * 1024;

const key = z.string().max(MAX_KEY);

// ---- authorization dry run (issue 13) ----

export const authorizationVerdictSchema = z.strictObject({
  decision: z.enum(['allow', 'deny']),
  by: z.strictObject({ authorizerId: z.uuid(), type: z.enum(AUTHORIZER_TYPES as [string, ...string[]]), ruleId: z.uuid().optional() }).nullable(),
  reason: z.string().max(2_000),
});

export const AUTHORIZATION_CHECK = instanceOperation('authorization.check', authorizationCheckSchema, authorizationVerdictSchema, 16 * 1024);

// ---- clients ----

export const clientFilterSchema = z.strictObject({
  connected: z.boolean().optional(),
  /** A prefix of the client id. */
  clientId: key.optional(),
  username: key.optional(),
  peerHost: z.string().max(100).optional(),
  limit: z.number().int().min(1).max(MAX_PAGE),
  /** The last client id of the previous page. */
  after: key.optional(),
});

const authenticatorRef = z.strictObject({ id: z.uuid(), type: z.enum(AUTHENTICATOR_TYPES as unknown as [string, ...string[]]) }).nullable();

const clientFields = {
  clientId: key,
  username: key.nullable(),
  connected: z.boolean(),
  connectedAt: z.string().nullable(),
  disconnectedAt: z.string().nullable(),
  peerHost: z.string().max(100).nullable(),
  protocolVersion: z.union([z.literal(3), z.literal(4), z.literal(5)]).nullable(),
  keepAlive: z.number().int().nullable(),
  cleanStart: z.boolean().nullable(),
  sessionExpiryInterval: z.number().int(),
  authenticator: authenticatorRef,
  queued: z.number().int(),
  inflight: z.number().int(),
};

export const clientSummarySchema = z.strictObject({ ...clientFields, subscriptions: z.number().int() });

export const subscriptionViewSchema = z.strictObject({
  filter: key,
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  noLocal: z.boolean(),
  retainAsPublished: z.boolean(),
  retainHandling: z.number().int().min(0).max(2),
  shareGroup: key.optional(),
});

export const clientDetailSchema = z.strictObject({
  ...clientFields,
  subscriptions: z.array(subscriptionViewSchema).max(MAX_DETAIL_SUBSCRIPTIONS),
  /** More subscriptions than the detail lists. */
  subscriptionsTruncated: z.boolean(),
});

export const LIST_CLIENTS = instanceOperation(
  'clients.list',
  clientFilterSchema,
  z.strictObject({ items: z.array(clientSummarySchema).max(MAX_PAGE), nextCursor: key.nullable() }),
  8 * MIB,
);

export const GET_CLIENT = instanceOperation('clients.get', z.strictObject({ clientId: key }), z.strictObject({ client: clientDetailSchema.nullable() }), 16 * MIB);

/** `connected`: a connection was closed; `session`: a session was discarded. Both false: no such client. */
export const KICK_CLIENT = instanceOperation(
  'clients.kick',
  z.strictObject({ clientId: key, clearSession: z.boolean() }),
  z.strictObject({ found: z.boolean(), disconnected: z.boolean(), sessionCleared: z.boolean() }),
  1024,
);

// ---- retained messages ----

export const retainedViewSchema = z.strictObject({
  topic: key,
  /** Base64, when the payload is at most INLINE_PAYLOAD_BYTES. */
  payload: z.string().max(Math.ceil(INLINE_PAYLOAD_BYTES / 3) * 4).optional(),
  size: z.number().int(),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  /** MQTT 5 properties (correlation data in base64); left out (`{}`, propertiesOmitted) above INLINE_PAYLOAD_BYTES of JSON. */
  properties: z.record(z.string(), z.unknown()),
  propertiesOmitted: z.boolean(),
  storedAt: z.string(),
});

export const LIST_RETAINED = instanceOperation(
  'retained.list',
  z.strictObject({ filter: key, limit: z.number().int().min(1).max(MAX_PAGE), after: key.optional() }),
  z.strictObject({ items: z.array(retainedViewSchema).max(MAX_PAGE), nextCursor: key.nullable() }),
  8 * MIB,
);

export const DELETE_RETAINED = instanceOperation('retained.delete', z.strictObject({ topic: key }), z.strictObject({ deleted: z.boolean() }), 1024);

// ---- authenticator dry run ----

export const authenticatorTestSchema = z.strictObject({
  clientId: z.string().max(MAX_KEY),
  username: z.string().max(MAX_KEY).optional(),
  password: z.string().max(MAX_KEY).optional(),
  /** A PEM client certificate, taken as if a TLS handshake had verified it. */
  certificate: z.string().max(16 * 1024).optional(),
  peerHost: z.string().max(100).optional(),
});

export const authenticatorTestResultSchema = z.strictObject({
  /** `error`: the authenticator failed or timed out (a backend failure, judged by the instance policy on CONNECT); `continue`: it wants an MQTT 5 AUTH exchange. */
  decision: z.enum(['allow', 'deny', 'ignore', 'error', 'continue']),
  reason: z.string().max(2_000).nullable(),
  superuser: z.boolean().nullable(),
  expiresAt: z.string().nullable(),
  acl: z.unknown().nullable(),
  elapsedMs: z.number(),
});

export const TEST_AUTHENTICATOR = instanceOperation(
  'authenticator.test',
  z.strictObject({ authenticatorId: z.uuid(), credentials: authenticatorTestSchema }),
  z.strictObject({ result: authenticatorTestResultSchema.nullable() }),
  1 * MIB,
);
