import type { InstanceContext } from './instance-context';
import { ITEMS_PER_TURN, KeyPage, nextTurn, pageWithinBytes } from './key-page';
import type { PublishProperties } from './message';
import type { StoredRetained } from './retained-store';

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
 * `inlineBytes`, or properties above it as JSON, are left out (the size is given). Walks the
 * matching messages once, letting the packet path run every ITEMS_PER_TURN of them. A page
 * whose JSON would pass `maxJsonBytes` is cut short (its cursor follows the last item kept).
 */
export async function listRetained(
  ctx: InstanceContext,
  query: { filter: string; limit: number; after?: string; inlineBytes: number; maxJsonBytes?: number },
): Promise<{ items: RetainedView[]; nextCursor: string | null }> {
  const page = new KeyPage<StoredRetained>(query.limit, query.after);
  let walked = 0;
  for (const stored of ctx.retained.stored(query.filter, Date.now())) {
    page.offer(stored.message.topic, stored);
    if (++walked % ITEMS_PER_TURN === 0) await nextTurn();
  }
  const { items, nextCursor } = page.result();
  const views = items.map((stored) => retainedView(stored, query.inlineBytes));
  return pageWithinBytes(views, nextCursor, (view) => view.topic, query.maxJsonBytes ?? Number.POSITIVE_INFINITY);
}

function retainedView({ message, storedAt }: StoredRetained, inlineBytes: number): RetainedView {
  const properties = propertiesView(message.properties);
  const omitted = Buffer.byteLength(JSON.stringify(properties)) > inlineBytes;
  const view: RetainedView = {
    topic: message.topic,
    size: message.payload.length,
    qos: message.qos,
    properties: omitted ? {} : properties,
    propertiesOmitted: omitted,
    storedAt: new Date(storedAt).toISOString(),
  };
  if (message.payload.length <= inlineBytes) view.payload = message.payload.toString('base64');
  return view;
}

/**
 * Clears a topic's retained message through the store, exactly as an empty retained PUBLISH
 * clears it [MQTT-3.3.1-10] (so whatever persists the store follows), without routing anything
 * to subscribers. False when the topic had none.
 */
export function deleteRetained(ctx: InstanceContext, topic: string): boolean {
  const had = ctx.retained.stored(topic, Date.now()).next().done === false;
  ctx.retained.apply({ topic, payload: Buffer.alloc(0), qos: 0, retain: true });
  return had;
}
