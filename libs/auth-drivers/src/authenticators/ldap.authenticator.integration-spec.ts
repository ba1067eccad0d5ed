import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectCredentials, ldapConfigSchema } from '@mqc/auth';
import { INJECTIONS } from '../external/hash-cases.spec-helper';
import { slappasswd, startSlapd, type Slapd } from '../external/slapd.spec-helper';
import { LdapAuthenticator } from './ldap.authenticator';

function client(username: string | undefined, password?: string): ConnectCredentials {
  return {
    instanceId: '00000000-0000-4000-8000-000000000004',
    clientId: 'device-1',
    username,
    password: password === undefined ? undefined : Buffer.from(password, 'utf8'),
    peerHost: '203.0.113.9',
    protocolVersion: 5,
  };
}

/** Users and their passwords; each userPassword made by slappasswd in a different scheme. */
const USERS: { uid: string; password: string; scheme: string; extra?: string[] }[] = [
  { uid: 'ssha', password: 's3cret', scheme: '{SSHA}' },
  { uid: 'sha', password: 'sha-pw', scheme: '{SHA}' },
  { uid: 'smd5', password: 'smd5-pw', scheme: '{SMD5}' },
  { uid: 'md5', password: 'md5-pw', scheme: '{MD5}' },
  { uid: 'ssha256', password: 'pässwörd✓', scheme: '{SSHA256}' },
  { uid: 'sha512', password: 'sha512-pw', scheme: '{SHA512}' },
  { uid: 'ssha512', password: 'ssha512-pw', scheme: '{SSHA512}' },
  { uid: 'bcrypt', password: 'bcrypt-pw', scheme: '{CRYPT}', extra: ['-c', '$2b$05$%.22s'] },
  { uid: 'argon2', password: 'argon2-pw', scheme: '{ARGON2}' },
  { uid: 'clear', password: 'clear-pw', scheme: '{CLEARTEXT}' },
];

describe('LdapAuthenticator against a real OpenLDAP (slapd)', () => {
  let slapd: Slapd;
  let devices: string;

  function authenticator(config: Record<string, unknown>, allow: readonly string[] = ['127.0.0.1']): LdapAuthenticator {
    return new LdapAuthenticator('ldap-1', ldapConfigSchema.parse({ url: slapd.url, baseDn: devices, filter: '(uid=${username})', ...config }), { outboundAllowList: allow });
  }

  beforeAll(async () => {
    slapd = await startSlapd();
    devices = `ou=devices,${slapd.suffix}`;
    await slapd.add(devices, { objectClass: 'organizationalUnit', ou: 'devices' });
    const person = (uid: string, extra: Record<string, string | string[]>) =>
      slapd.add(`uid=${uid.replace(/([,=+"\\<>;])/g, '\\$1')},${devices}`, { objectClass: ['inetOrgPerson'], uid, cn: uid, sn: uid, ...extra });
    for (const user of USERS) await person(user.uid, { userPassword: slappasswd(user.scheme, user.password, user.extra) });
    await person('admin-device', { userPassword: slappasswd('{SSHA}', 'root-pw'), employeeType: 'TRUE' });
    await person('comma,user=1', { userPassword: slappasswd('{SSHA}', 'comma-pw') });
    await person('twin', { userPassword: slappasswd('{SSHA}', 'twin-pw'), description: 'twin' });
    await slapd.add(`ou=elsewhere,${slapd.suffix}`, { objectClass: 'organizationalUnit', ou: 'elsewhere' });
    await slapd.add(`uid=twin,ou=elsewhere,${slapd.suffix}`, { objectClass: ['inetOrgPerson'], uid: 'twin', cn: 'twin', sn: 'twin' });
  });

  afterAll(async () => {
    await slapd?.stop();
  });

  describe('bind: the server checks the password', () => {
    it('allows the entry found by the filter with its password and refuses a wrong one', async () => {
      const auth = authenticator({ method: 'bind' });
      for (const user of USERS) {
        expect(await auth.authenticate(client(user.uid, user.password)), user.scheme).toEqual({ kind: 'allow', superuser: false });
        expect(await auth.authenticate(client(user.uid, `${user.password}x`)), user.scheme).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
      }
    });

    it('refuses an empty password instead of letting an unauthenticated bind succeed', async () => {
      expect(await authenticator({ method: 'bind' }).authenticate(client('ssha', ''))).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
      expect(await authenticator({ method: 'bind' }).authenticate(client('ssha'))).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
    });

    it('reads the superuser attribute', async () => {
      const auth = authenticator({ method: 'bind', isSuperuserAttribute: 'employeeType' });
      expect(await auth.authenticate(client('admin-device', 'root-pw'))).toEqual({ kind: 'allow', superuser: true });
      expect(await auth.authenticate(client('ssha', 's3cret'))).toEqual({ kind: 'allow', superuser: false });
    });
  });

  describe('hash: the service account reads userPassword and the broker compares', () => {
    it.each(USERS.map((u) => [u.scheme, u] as const))('verifies %s values made by slappasswd', async (_, user) => {
      const auth = authenticator({ method: 'hash', bindDn: slapd.adminDn, bindPassword: slapd.adminPassword });
      expect(await auth.authenticate(client(user.uid, user.password))).toEqual({ kind: 'allow', superuser: false });
      expect(await auth.authenticate(client(user.uid, 'wrong'))).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
    });

    it('cannot read the hash anonymously (the directory allows auth only): nothing matches, a refusal', async () => {
      expect(await authenticator({ method: 'hash' }).authenticate(client('ssha', 's3cret'))).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
    });
  });

  it('ignores a client the filter finds no entry for, and one without a user name', async () => {
    const auth = authenticator({ method: 'bind' });
    expect(await auth.authenticate(client('nobody', 'x'))).toEqual({ kind: 'ignore' });
    expect(await auth.authenticate(client(undefined, 'x'))).toEqual({ kind: 'ignore' });
  });

  it('escapes filter metacharacters: *)(uid=* and friends are names, not filters', async () => {
    const auth = authenticator({ method: 'bind' });
    for (const attempt of [...INJECTIONS, '*', 'ss*', 'ssha)(uid=*', '*)(|(uid=*', 'ssha)(objectClass=*', '\\2a']) {
      expect(await auth.authenticate(client(attempt, 's3cret')), attempt).toEqual({ kind: 'ignore' });
    }
  });

  it('escapes DN metacharacters in a base DN built from the user name', async () => {
    const auth = authenticator({ method: 'bind', baseDn: `uid=\${username},${devices}`, filter: '(objectClass=inetOrgPerson)' });
    expect(await auth.authenticate(client('comma,user=1', 'comma-pw'))).toEqual({ kind: 'allow', superuser: false });
    expect(await auth.authenticate(client('ssha', 's3cret'))).toEqual({ kind: 'allow', superuser: false });
    // Without escaping this would search the whole suffix from `ou=devices`.
    expect(await auth.authenticate(client(`x,${devices}`, 's3cret'))).toEqual({ kind: 'ignore' });
    expect(await auth.authenticate(client('*', 's3cret'))).toEqual({ kind: 'ignore' });
  });

  it('treats a filter that matches several entries as a configuration fault (backend failure)', async () => {
    const auth = authenticator({ method: 'bind', baseDn: slapd.suffix });
    await expect(auth.authenticate(client('twin', 'twin-pw'))).rejects.toThrow(/several entries/);
  });

  it('fails (never ignores) when the server is down, silent, or behind the guard', async () => {
    const silent: Server = createServer((socket: Socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const slow = new LdapAuthenticator('ldap-slow', ldapConfigSchema.parse({ url: `ldap://127.0.0.1:${port}`, baseDn: devices, filter: '(uid=${username})', timeoutMs: 300 }), { outboundAllowList: ['127.0.0.1'] });
      await expect(slow.authenticate(client('ssha', 's3cret'))).rejects.toThrow(/^LDAP ldap:\/\/127\.0\.0\.1:\d+: .*(timeout|no answer|Timeout)/i);
    } finally {
      silent.close();
    }
    const down = new LdapAuthenticator('ldap-down', ldapConfigSchema.parse({ url: 'ldap://127.0.0.1:1', baseDn: devices, filter: '(uid=${username})', timeoutMs: 1000 }), { outboundAllowList: ['127.0.0.1'] });
    await expect(down.authenticate(client('ssha', 's3cret'))).rejects.toThrow(/ECONNREFUSED/);
    await expect(authenticator({ method: 'bind' }, []).authenticate(client('ssha', 's3cret'))).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
  });
});
