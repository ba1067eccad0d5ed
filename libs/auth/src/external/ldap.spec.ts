import { describe, expect, it } from 'vitest';
import { SELF_DESCRIBING_VECTORS } from '../password/password-vectors.fixture';
import { escapeDnValue, escapeFilterValue } from './ldap-escape';
import { verifyLdapPassword } from './ldap-password';

describe('LDAP escaping', () => {
  it('escapes filter metacharacters as \\XX (RFC 4515)', () => {
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
    expect(escapeFilterValue('a\\b\0')).toBe('a\\5cb\\00');
    expect(escapeFilterValue('plain-name_1.ü')).toBe('plain-name_1.ü');
  });

  it('escapes DN specials, a leading # or space and a trailing space (RFC 4514)', () => {
    expect(escapeDnValue('a,b=c+d')).toBe('a\\,b\\=c\\+d');
    expect(escapeDnValue('"<x>";\\')).toBe('\\"\\<x\\>\\"\\;\\\\');
    expect(escapeDnValue('#lead')).toBe('\\#lead');
    expect(escapeDnValue(' both ')).toBe('\\ both\\ ');
  });
});

describe('verifyLdapPassword', () => {
  it('reads OpenLDAP pw-pbkdf2 values (passlib layout without its $pbkdf2-…$ prefix)', async () => {
    const vector = SELF_DESCRIBING_VECTORS.find((v) => v.hash.startsWith('$pbkdf2-sha256$2000$'))!;
    const ldapValue = `{PBKDF2-SHA256}${vector.hash.slice('$pbkdf2-sha256$'.length)}`;
    expect(await verifyLdapPassword(ldapValue, Buffer.from(vector.password))).toBe(true);
    expect(await verifyLdapPassword(ldapValue, Buffer.from('nope'))).toBe(false);
  });

  it('judges values without a scheme by the configured algorithm (plain text by default), and never matches unknown schemes', async () => {
    expect(await verifyLdapPassword('open', Buffer.from('open'))).toBe(true);
    expect(await verifyLdapPassword('5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', Buffer.from('password'), { name: 'sha256', saltPosition: 'none' })).toBe(true);
    expect(await verifyLdapPassword('{CRYPT}$6$salt$abc', Buffer.from('x'))).toBe(false);
    expect(await verifyLdapPassword('{NOPE}x', Buffer.from('x'))).toBe(false);
    expect(await verifyLdapPassword('{SSHA}!!notbase64', Buffer.from('x'))).toBe(false);
  });
});
