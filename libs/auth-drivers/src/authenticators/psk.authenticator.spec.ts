import { describe, expect, it } from 'vitest';
import { type ConnectCredentials, pskConfigSchema } from '@mqc/auth';
import { PskAuthenticator } from './psk.authenticator';

const base: ConnectCredentials = { instanceId: 'i', clientId: 'c', peerHost: '198.51.100.1', protocolVersion: 4 };

describe('PskAuthenticator', () => {
  it('allows a client that completed a TLS-PSK handshake, with its identity as user name', async () => {
    const psk = new PskAuthenticator('p', pskConfigSchema.parse({}));
    expect(await psk.authenticate({ ...base, pskIdentity: 'meter-7' })).toEqual({ kind: 'allow', superuser: false, username: 'meter-7' });
    expect(await psk.authenticate({ ...base, pskIdentity: 'meter-7', username: 'meter-7' })).toMatchObject({ kind: 'allow' });
    expect(await psk.authenticate({ ...base, pskIdentity: 'meter-7', username: 'admin' })).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
  });

  it('leaves the user name alone when identityAsUsername is off', async () => {
    const psk = new PskAuthenticator('p', pskConfigSchema.parse({ identityAsUsername: false }));
    expect(await psk.authenticate({ ...base, pskIdentity: 'meter-7', username: 'someone' })).toEqual({ kind: 'allow', superuser: false });
  });

  it('ignores clients without a PSK identity', async () => {
    const psk = new PskAuthenticator('p', pskConfigSchema.parse({}));
    expect(await psk.authenticate({ ...base, username: 'meter-7', password: Buffer.from('x') })).toEqual({ kind: 'ignore' });
  });
});
