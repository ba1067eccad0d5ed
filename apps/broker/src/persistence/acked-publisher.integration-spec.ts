import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckedPublisher } from './acked-publisher';
import { connectNats, type NatsConnection } from './nats-connection';

const natsUrl = process.env['MQC_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const stream = `mqc-test-${randomBytes(4).toString('hex')}`;

describe('AckedPublisher (JetStream acknowledgements on one subscription)', () => {
  let connection: NatsConnection;
  let publisher: AckedPublisher;

  beforeAll(async () => {
    connection = await connectNats(natsUrl, 'test');
    await (await jetstreamManager(connection)).streams.add({ name: stream, subjects: [`${stream}.>`] });
    publisher = new AckedPublisher(connection);
  });

  afterAll(async () => {
    publisher.close();
    await (await jetstreamManager(connection)).streams.delete(stream);
    await connection.close();
  });

  it('resolves each write with its stream sequence, in order, however many are pipelined', async () => {
    const seqs = await Promise.all(Array.from({ length: 500 }, (_, i) => publisher.publish(`${stream}.a`, Buffer.from(String(i)))));
    expect(seqs).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });

  it('rejects a write no stream takes', async () => {
    await expect(publisher.publish(`elsewhere-${stream}.x`, Buffer.from('x'))).rejects.toThrow(/no stream answered/);
  });

  it('rejects what is still waiting when it is closed', async () => {
    const other = new AckedPublisher(connection);
    const waiting = other.publish(`${stream}.b`, Buffer.from('x'));
    other.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});
