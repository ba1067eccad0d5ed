import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';

export interface StoredRecord {
  subject: string;
  seq: number;
  data: Uint8Array;
}

/** JetStream's "stream not found" (10059): nothing was ever stored. */
export function isStreamNotFound(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 10059 || /stream not found/i.test(String((error as Error)?.message ?? error));
}

/**
 * Every record of a stream under `filter` (the last one per subject for the one-record
 * streams), read by one ephemeral consumer that is deleted afterwards: one consumer per
 * instance load, never one per subscription (the failure of nats-io/nats-server#6191).
 */
export async function readStream(js: JetStreamClient, jsm: JetStreamManager, stream: string, filter: string, lastPerSubject: boolean): Promise<StoredRecord[]> {
  let info;
  try {
    info = await jsm.consumers.add(stream, {
      filter_subject: filter,
      deliver_policy: lastPerSubject ? DeliverPolicy.LastPerSubject : DeliverPolicy.All,
      ack_policy: AckPolicy.None,
      inactive_threshold: 60_000 * 1_000_000, // nanoseconds
      mem_storage: true,
    });
  } catch (error) {
    if (isStreamNotFound(error)) return [];
    throw error;
  }
  const records: StoredRecord[] = [];
  try {
    let left = info.num_pending;
    const consumer = await js.consumers.get(stream, info.name);
    while (left > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(left, 5_000), expires: 5_000 });
      let got = 0;
      for await (const message of batch) {
        records.push({ subject: message.subject, seq: message.seq, data: message.data });
        got++;
        if (got >= Math.min(left, 5_000)) break;
      }
      if (got === 0) break;
      left -= got;
    }
  } finally {
    await jsm.consumers.delete(stream, info.name).catch(() => undefined);
  }
  return records;
}
