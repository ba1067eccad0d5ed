import type { ChainDecision, ConnectCredentials } from '@mqc/auth';
import type { Logger } from 'pino';
import type { InstanceAuthorization } from './authorization';
import type { InstanceDurability } from './durability';
import type { ClientConnection } from './client-connection';
import type { InstanceActivity } from './instance-activity';
import type { InstanceLimits } from './instance-broker';
import type { RateLimiter } from './rate-limiter';
import type { RefusalCounters } from './refusal-counters';
import type { RetainedStore } from './retained-store';
import type { SessionStore } from './session-store';
import type { TopicTree } from './topic-tree';

/** Everything one instance owns, passed explicitly to every handler. Nothing here is shared between instances. */
export interface InstanceContext {
  readonly instanceId: string;
  limits: InstanceLimits;
  readonly logger: Logger;
  readonly authenticate: (credentials: ConnectCredentials) => Promise<ChainDecision>;
  readonly subscriptions: TopicTree;
  readonly retained: RetainedStore;
  readonly sessions: SessionStore;
  /** Connected clients (CONNACK 0 sent) by client id. */
  readonly clients: Map<string, ClientConnection>;
  /** Every open connection, connected or not. */
  readonly connections: Set<ClientConnection>;
  readonly rate: RateLimiter;
  /** What was refused or dropped to keep the instance within its limits, by reason. */
  readonly refusals: RefusalCounters;
  /** Counters and events of the tenant's metrics and event log (issue 15), flushed off the packet path by the node. */
  readonly activity: InstanceActivity;
  /** The authorization chain and policy; `authorizationGeneration` moves on each change, `authorizationOpen` caches isOpen(). */
  authorization: InstanceAuthorization;
  authorizationGeneration: number;
  authorizationOpen: boolean;
  closing: boolean;
  /** Issue 14: the durable store written behind the engine; absent, everything stays in memory. */
  readonly durability: InstanceDurability | undefined;
  /** While one PUBLISH is routed: the store writes its acknowledgement must wait for (see durable-writes.ts). */
  writes: Promise<void>[] | undefined;
  /** Incremented once per routed message; see router.ts. */
  routingEpoch: number;
  /** The last routed topic and its levels: a stream on one topic splits it once (router.ts). */
  routedTopic: string;
  routedLevels: readonly string[];
}

/** Default topic alias maximum advertised to 5.0 clients when the limits do not set one. */
export const DEFAULT_TOPIC_ALIAS_MAXIMUM = 64;
