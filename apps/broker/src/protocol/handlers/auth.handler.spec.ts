import { describe, expect, it } from 'vitest';
import { connectClient, createBroker } from '../testing/broker-fixture';

describe('AUTH', () => {
  it('without an authentication method on CONNECT is a protocol error (DISCONNECT 0x82)', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'c' });
    client.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'SCRAM-SHA-1' } });
    expect((await client.expect('disconnect')).reasonCode).toBe(0x82);
    await broker.close();
  });

  it('re-authentication is not offered: DISCONNECT 0x82 with a reason string', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'c', properties: { authenticationMethod: 'token' } });
    client.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'token' } });
    expect(await client.expect('disconnect')).toMatchObject({ reasonCode: 0x82, properties: { reasonString: 're-authentication is not supported' } });
    await broker.close();
  });
});
