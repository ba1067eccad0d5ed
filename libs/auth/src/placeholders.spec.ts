import { describe, expect, it } from 'vitest';
import type { ConnectCredentials } from './chain/authenticator';
import { missingPlaceholders, placeholderValues, renderPlaceholders, renderTemplate } from './placeholders';

const client: ConnectCredentials = {
  instanceId: 'inst-1',
  clientId: 'meter 17',
  username: 'alice',
  password: Buffer.from('s3cret&x=1'),
  peerHost: '203.0.113.9',
  protocolVersion: 5,
  certificate: { commonName: 'meter-17', subject: 'CN=meter-17,O=Acme', serialNumber: '01', fingerprint256: 'AA' },
};

describe('renderPlaceholders', () => {
  it('replaces every SPEC 4 placeholder with the client value', () => {
    const text = '${clientid}|${username}|${password}|${peerhost}|${cert_common_name}|${cert_subject}|${instance_id}';
    expect(renderPlaceholders(text, client)).toBe('meter 17|alice|s3cret&x=1|203.0.113.9|meter-17|CN=meter-17,O=Acme|inst-1');
  });

  it('passes each value through the encoder, not the literal text around it', () => {
    expect(renderPlaceholders('a b=${password}', client, encodeURIComponent)).toBe('a b=s3cret%26x%3D1');
  });

  it('renders absent values as empty and leaves unknown placeholders as written', () => {
    const anonymous: ConnectCredentials = { instanceId: 'i', clientId: 'c', peerHost: '::1', protocolVersion: 4 };
    expect(renderPlaceholders('[${username}][${cert_subject}][${topic}]', anonymous)).toBe('[][][${topic}]');
  });

  it('expands in one pass: a username that reads ${password} is not expanded again', () => {
    const sneaky = { ...client, username: '${password}' };
    expect(renderPlaceholders('user=${username}', sneaky)).toBe('user=${password}');
  });
});

describe('missingPlaceholders', () => {
  it('names the placeholders whose value the client did not present, once each', () => {
    const values = placeholderValues({ instanceId: 'i', clientId: 'c', peerHost: '::1', protocolVersion: 4 });
    expect(missingPlaceholders('${username}/${clientid}/${username}/${cert_common_name}', values)).toEqual(['username', 'cert_common_name']);
    expect(renderTemplate('${clientid}', values)).toBe('c');
  });
});
