import { describe, expect, it } from 'vitest';
import { connectClient, createBroker } from '../testing/broker-fixture';

describe('DISCONNECT', () => {
  it('closes the connection and unregisters the client', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 4, { clientId: 'bye' });
    expect(broker.connectedClients).toBe(1);
    client.send({ cmd: 'disconnect' });
    await client.closed;
    expect(broker.connectedClients).toBe(0);
    await broker.close();
  });

  it('5.0: a non-zero session expiry on DISCONNECT after 0 on CONNECT is a protocol error [MQTT-3.14.2-2]', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'bye' });
    client.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
    expect((await client.expect('disconnect')).reasonCode).toBe(0x82);
    await broker.close();
  });
});
