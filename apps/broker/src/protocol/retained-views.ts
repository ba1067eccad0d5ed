import type { InstanceContext } from './instance-context';
import type { PublishProperties } from './message';

export interface RetainedView {
  topic: string;
  /** Base64, when the payload is at most `inlineBytes`. */
  payload?: string;
  size: number;
  qos: 0 | 1 | 2;
  properties: Record<string, unknown>;
  propertiesOmitted: boolean;
  storedAt: string;
}

/** Properties as JSON can carry them: correlation data in base64. */
function propertiesView(properties: PublishProperties | undefined): Record<string, unknown> {
  if (properties === undefined) return {};
  const view: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (value === undefined) continue;
    view[name] = Buffer.isBuffer(value) ? value.toString('base64') : value;
  }
  return view;
}

/**
 * One page of the retained messages whose topic matches `filter` (as a subscription would, `$`
 * topics only by a filter naming them), by topic, after the topic `after`. A payload above
 * `inlineBytes`, or properties above it as JSON, are left out (the size is given).
 */
export function listRetained(ctx: InstanceContext, page: { filter: string; limit: number; after?: string; inlineBytes: number }): { items: RetainedView[]; nextCursor: string | null } {
  const { after } = page;
  const found = ctx.retained.stored(page.filter, Date.now()).filter((s) => after === undefined || s.message.topic > after);
  found.sort((a, b) => (a.message.topic < b.message.topic ? -1 : a.message.topic > b.message.topic ? 1 : 0));
  const taken = found.slice(0, page.limit);
  const items = taken.map(({ message, storedAt }): RetainedView => {
    const properties = propertiesView(message.properties);
    const omitted = Buffer.byteLength(JSON.stringify(properties)) > page.inlineBytes;
    const view: RetainedView = {
      topic: message.topic,
      size: message.payload.length,
      qos: message.qos,
      properties: omitted ? {} : properties,
      propertiesOmitted: omitted,
      storedAt: new Date(storedAt).toISOString(),
    };
    if (message.payload.length <= page.inlineBytes) view.payload = message.payload.toString('base64');
    return view;
  });
  const last = taken[taken.length - 1];
  return { items, nextCursor: found.length > page.limit && last !== undefined ? last.message.topic : null };
}

/**
 * Clears a topic's retained message through the store, exactly as an empty retained PUBLISH
 * clears it [MQTT-3.3.1-10] (so whatever persists the store follows), without routing anything
 * to subscribers. False when the topic had none.
 */
export function deleteRetained(ctx: InstanceContext, topic: string): boolean {
  const had = ctx.retained.stored(topic, Date.now()).some((s) => s.message.topic === topic);
  ctx.retained.apply({ topic, payload: Buffer.alloc(0), qos: 0, retain: true });
  return had;
}
