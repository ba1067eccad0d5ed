/**
 * The JetStream streams of one deployment, named after its prefix (MQC_REDIS_PREFIX: one
 * prefix for Redis and NATS), so several deployments and test runs share one NATS:
 *
 *   {prefix}_sessions  {prefix}.session.{instanceId}.{client}   one record per session (MaxMsgsPerSubject 1)
 *   {prefix}_retained  {prefix}.retained.{instanceId}.{topic}   one record per topic (MaxMsgsPerSubject 1)
 *   {prefix}_queue     {prefix}.queue.{instanceId}.{client}     QoS 1/2 messages queued for persistent sessions
 *
 * `{client}` and `{topic}` are SHA-256 tokens (subjects allow no dots or wildcards); the records say the real names.
 */
export class StreamNames {
  constructor(readonly prefix: string) {}

  get sessions(): string {
    return `${this.prefix}_sessions`;
  }

  get retained(): string {
    return `${this.prefix}_retained`;
  }

  get queue(): string {
    return `${this.prefix}_queue`;
  }

  session(instanceId: string, token: string): string {
    return `${this.prefix}.session.${instanceId}.${token}`;
  }

  retainedTopic(instanceId: string, token: string): string {
    return `${this.prefix}.retained.${instanceId}.${token}`;
  }

  queued(instanceId: string, token: string): string {
    return `${this.prefix}.queue.${instanceId}.${token}`;
  }

  /** Every subject of one instance in a stream: `kind` is session, retained or queue. */
  ofInstance(kind: 'session' | 'retained' | 'queue', instanceId: string): string {
    return `${this.prefix}.${kind}.${instanceId}.>`;
  }
}
