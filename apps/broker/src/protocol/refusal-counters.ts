/** Why the broker refused a request or dropped a message to keep an instance within its bounds. */
export const REFUSAL_REASONS = [
  'retained-quota',
  'subscription-quota',
  'queue-full',
  'packet-too-large',
  'rate-limit',
  'session-quota',
  'instance-queue-full',
  'pending-before-connack',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type RefusalCounts = Readonly<Record<RefusalReason, number>>;

/**
 * What one instance refused or dropped since it was loaded on this node, by reason: retained
 * PUBLISHes over the retained quota, subscriptions over a subscription quota, queued messages
 * dropped from a full session queue, packets over the maximum size, PUBLISHes over the rate,
 * CONNECTs that needed a session beyond the session quota, queued messages dropped because the
 * instance's queues were full, connections closed for sending too much before their CONNACK.
 */
export class RefusalCounters {
  private readonly counts: Record<RefusalReason, number> = {
    'retained-quota': 0,
    'subscription-quota': 0,
    'queue-full': 0,
    'packet-too-large': 0,
    'rate-limit': 0,
    'session-quota': 0,
    'instance-queue-full': 0,
    'pending-before-connack': 0,
  };

  /** `onCount` hears of each refusal (the event log samples them), with the client and topic when the caller knows them. */
  constructor(private readonly onCount?: (reason: RefusalReason, clientId: string | undefined, topic: string | undefined) => void) {}

  count(reason: RefusalReason, times = 1, clientId?: string, topic?: string): void {
    this.counts[reason] += times;
    this.onCount?.(reason, clientId, topic);
  }

  snapshot(): RefusalCounts {
    return { ...this.counts };
  }
}
