import { describe, expect, it } from 'vitest';
import { connectClient, createBroker } from '../testing/broker-fixture';

describe('PINGREQ', () => {
  it('answers PINGRESP [MQTT-3.12.4-1]', async () => {
    const broker = createBroker();
    for (const version of [4, 5] as const) {
      const client = await connectClient(broker, version, { clientId: `p${version}` });
      client.send({ cmd: 'pingreq' });
      expect((await client.next()).cmd).toBe('pingresp');
    }
    await broker.close();
  });
});
