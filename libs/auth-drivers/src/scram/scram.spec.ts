// The core's SCRAM math, checked against the test client of @mqc/testing: the spec lives here
// because @mqc/testing loads @mqc/db, which types its rows with @mqc/auth (a cycle from the core).
import { describe, expect, it } from 'vitest';
import { deriveScramCredential, parseClientFirst, saslPrep, serverFirst, verifyClientFinal, ScramProtocolError } from '@mqc/auth';
import { TestScramClient } from '@mqc/testing';

/** RFC 7677 section 3: SCRAM-SHA-256 for user "user", password "pencil". */
const RFC7677 = {
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  iterations: 4096,
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

describe('SCRAM server (RFC 5802, RFC 7677)', () => {
  it('answers the RFC 7677 test vector exactly: server-first and the server signature', async () => {
    const credential = await deriveScramCredential('pencil', 'sha256', RFC7677.iterations, Buffer.from(RFC7677.salt, 'base64'));
    const client = parseClientFirst(Buffer.from(RFC7677.clientFirst));
    expect(client).toEqual({ gs2Header: 'n,,', username: 'user', clientNonce: 'rOprNGfwEbeRWgbNEkqO', bare: 'n=user,r=rOprNGfwEbeRWgbNEkqO' });
    const first = serverFirst(client, credential, RFC7677.serverNonce);
    expect(first.message).toBe(RFC7677.serverFirst);
    expect(verifyClientFinal(Buffer.from(RFC7677.clientFinal), client, first, credential)).toEqual({ ok: true, serverFinal: RFC7677.serverFinal });
  });

  it('the test client (written from RFC 5802, apart from the server code) reproduces the RFC 7677 proof', () => {
    const client = new TestScramClient('sha256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    expect(client.clientFirst().toString()).toBe(RFC7677.clientFirst);
    expect(client.clientFinal(RFC7677.serverFirst).toString()).toBe(RFC7677.clientFinal);
    expect(client.verifyServerFinal(RFC7677.serverFinal)).toBe(true);
  });

  it.each(['sha256', 'sha512'] as const)('completes an exchange with SCRAM-%s and proves itself to the client', async (hash) => {
    const credential = await deriveScramCredential('s3cret, with comma=', hash, 4096);
    const client = new TestScramClient(hash, 'dev,ice=1', 's3cret, with comma=');
    const parsed = parseClientFirst(client.clientFirst());
    expect(parsed.username).toBe('dev,ice=1');
    const first = serverFirst(parsed, credential);
    const final = verifyClientFinal(client.clientFinal(first.message), parsed, first, credential);
    expect(final.ok).toBe(true);
    expect(client.verifyServerFinal(final.serverFinal)).toBe(true);
  });

  it('refuses a wrong password, a changed nonce and a foreign channel binding', async () => {
    const credential = await deriveScramCredential('right', 'sha256', 4096);
    const client = new TestScramClient('sha256', 'u', 'right');
    const parsed = parseClientFirst(client.clientFirst());
    const first = serverFirst(parsed, credential);
    expect(verifyClientFinal(client.clientFinal(first.message, { password: 'wrong' }), parsed, first, credential)).toEqual({ ok: false, error: 'invalid-proof', serverFinal: 'e=invalid-proof' });
    expect(verifyClientFinal(client.clientFinal(first.message, { nonce: `${client.nonce}other` }), parsed, first, credential)).toMatchObject({ ok: false, error: 'other-error' });
    const tampered = client.clientFinal(first.message).toString().replace('c=biws', `c=${Buffer.from('y,,').toString('base64')}`);
    expect(verifyClientFinal(Buffer.from(tampered), parsed, first, credential)).toMatchObject({ ok: false, error: 'channel-bindings-dont-match' });
    expect(verifyClientFinal(undefined, parsed, first, credential)).toMatchObject({ ok: false });
  });

  it('reads only well-formed client-first messages', () => {
    const bad = (text: string) => () => parseClientFirst(Buffer.from(text));
    expect(bad('p=tls-unique,,n=u,r=abc')).toThrow(ScramProtocolError);
    expect(bad('p=tls-unique,,n=u,r=abc')).toThrow(/channel binding/);
    expect(bad('n=u,r=abc')).toThrow(/GS2 header/);
    expect(bad('n,,r=abc,n=u')).toThrow(/n=user,r=nonce/);
    expect(bad('n,,m=ext,n=u,r=abc')).toThrow(/mandatory extensions/);
    expect(bad('n,,n=a=b,r=abc')).toThrow(/=2C or =3D/);
    expect(bad('n,,n=u,r=a,b')).toThrow();
    expect(() => parseClientFirst(undefined)).toThrow(/missing/);
    expect(parseClientFirst(Buffer.from('y,a=admin,n=u,r=abc'))).toMatchObject({ gs2Header: 'y,a=admin,', username: 'u' });
  });

  it('prepares passwords with SASLprep mapping and NFKC (RFC 4013)', () => {
    expect(saslPrep('I\u00ADX')).toBe('IX');
    expect(saslPrep('a\u00A0b')).toBe('a b');
    expect(saslPrep('\u2168')).toBe('IX');
    expect(saslPrep('plain ASCII')).toBe('plain ASCII');
  });
});
