/** How one PUBLISH to a client uses a topic alias (server → client, MQTT 5.0 section 3.3.2.3.4). */
export interface TopicAliasUse {
  readonly alias: number;
  /** True when this PUBLISH sets the alias: it carries the topic with it; false: the alias alone, empty topic. */
  readonly sendTopic: boolean;
  /** The topic whose alias this PUBLISH takes over (least recently used), when every alias was taken. */
  readonly replaces?: string;
}

/**
 * The topic aliases the broker set up toward one 5.0 client, for one network connection only
 * (aliases never outlive it [MQTT-3.3.2-7]). At most `maximum` (the client's Topic Alias
 * Maximum, capped by ours); when all are taken the least recently used one is reassigned.
 */
export class OutboundTopicAliases {
  /** Topic → alias, in order of last use: the first entry is the least recently used. */
  private readonly byTopic = new Map<string, number>();

  constructor(readonly maximum: number) {}

  /** The alias for `topic`: the one it has (marked as just used) or the one it would get; `commit` records a new one. */
  use(topic: string): TopicAliasUse {
    const known = this.byTopic.get(topic);
    if (known !== undefined) {
      this.byTopic.delete(topic);
      this.byTopic.set(topic, known);
      return { alias: known, sendTopic: false };
    }
    if (this.byTopic.size < this.maximum) return { alias: this.byTopic.size + 1, sendTopic: true };
    const [replaces, alias] = this.byTopic.entries().next().value as [string, number];
    return { alias, sendTopic: true, replaces };
  }

  /** Records what `use` proposed, once the PUBLISH carrying it was written (a discarded one sets nothing). */
  commit(topic: string, use: TopicAliasUse): void {
    if (!use.sendTopic) return;
    if (use.replaces !== undefined) this.byTopic.delete(use.replaces);
    this.byTopic.set(topic, use.alias);
  }

  get size(): number {
    return this.byTopic.size;
  }
}
