import { describe, expect, it } from 'vitest';
import { SELF_DESCRIBING_VECTORS } from './password-vectors.fixture';
import { decodePbkdf2Hash, parseSelfDescribingHash } from './self-describing-hash';

describe('parseSelfDescribingHash', () => {
  it.each(SELF_DESCRIBING_VECTORS)('reads the parameters of $source', ({ hash, params }) => {
    expect(parseSelfDescribingHash(hash)).toEqual({ hash, salt: '', params });
  });

  it('decodes passlib adapted base64 (. for +) and PHC base64 to the same salt bytes', () => {
    const passlib = decodePbkdf2Hash('$pbkdf2-sha256$2000$iwH.EAB/gMPpqlUAESIzRA$N2myIefPzyNXMlJx9cqklHqKwy7QqSdpIfh8zshnePk');
    const phc = decodePbkdf2Hash('$pbkdf2-sha256$i=5000$iwH+EAB/gMPpqlUAESIzRA$zYNsRznb7etyz2E0XrvUXJH4CmiJge6abGhP8PSndkg');
    expect(passlib?.salt.toString('hex')).toBe('8b01fe10007f80c3e9aa550011223344');
    expect(phc?.salt.toString('hex')).toBe('8b01fe10007f80c3e9aa550011223344');
    expect(phc?.iterations).toBe(5000);
  });

  it('reads argon2id parameters in any order (node-argon2 writes m,p,t)', () => {
    const hash = '$argon2id$v=19$m=1024,p=1,t=1$2FWkdtzqxSQrpXnFzSoZeg$tIY94JCT0erCNI61bJVgfMlmE4VGHGlECmglx4omet0';
    expect(parseSelfDescribingHash(hash)?.params).toEqual({ name: 'argon2id', memoryCost: 1024, timeCost: 1, parallelism: 1 });
  });

  it.each([
    ['an empty string', ''],
    ['a hex digest', '630b556a1af07a46a3d017e59e9f1610f74548a72b1e517656ddec083eb996b9'],
    ['bcrypt with a one-digit cost', '$2b$9$Guzxpeeu3YgDvszWoC9b.OyXSIqfRg9eJv3cpeDUenHFODcToOhDu'],
    ['bcrypt one character short', '$2b$10$Guzxpeeu3YgDvszWoC9b.OyXSIqfRg9eJv3cpeDUenHFODcToOhD'],
    ['bcrypt $2x$', '$2x$10$Guzxpeeu3YgDvszWoC9b.OyXSIqfRg9eJv3cpeDUenHFODcToOhDu'],
    ['bcrypt with cost 31 (beyond the limit)', '$2b$31$Guzxpeeu3YgDvszWoC9b.OyXSIqfRg9eJv3cpeDUenHFODcToOhDu'],
    ['bcrypt with cost 03 (below the minimum)', '$2b$03$Guzxpeeu3YgDvszWoC9b.OyXSIqfRg9eJv3cpeDUenHFODcToOhDu'],
    ['argon2i', '$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$Aq36VfhoRwWO7691PmkWPz6pWflZ4JkuG63x05QpA88'],
    ['argon2d', '$argon2d$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$Aq36VfhoRwWO7691PmkWPz6pWflZ4JkuG63x05QpA88'],
    ['argon2id with a repeated parameter', '$argon2id$v=19$m=19456,t=2,p=1,t=3$c2FsdHNhbHRzYWx0c2FsdA$Aq36VfhoRwWO7691PmkWPz6pWflZ4JkuG63x05QpA88'],
    ['argon2id asking for 4 GiB', '$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$Aq36VfhoRwWO7691PmkWPz6pWflZ4JkuG63x05QpA88'],
    ['argon2id without t', '$argon2id$v=19$m=19456,p=1$c2FsdHNhbHRzYWx0c2FsdA$Aq36VfhoRwWO7691PmkWPz6pWflZ4JkuG63x05QpA88'],
    ['argon2id with an unknown parameter', '$argon2id$v=19$m=19456,t=2,p=1,x=1$c2FsdHNhbHRzYWx0c2FsdA$Aq36VfhoRwWO7691PmkWPz6pWflZ4JkuG63x05QpA88'],
    ['argon2id with an unknown version', '$argon2id$v=20$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$Aq36VfhoRwWO7691PmkWPz6pWflZ4JkuG63x05QpA88'],
    ['pbkdf2 with an unknown digest', '$pbkdf2-md5$1000$iwH.EAB/gMPpqlUAESIzRA$jRz.C0cyU9JksL4Dlt9yaRC0hro'],
    ['pbkdf2 with zero rounds', '$pbkdf2$0$iwH.EAB/gMPpqlUAESIzRA$jRz.C0cyU9JksL4Dlt9yaRC0hro'],
    ['pbkdf2 with 10^9 rounds', '$pbkdf2$1000000000$iwH.EAB/gMPpqlUAESIzRA$jRz.C0cyU9JksL4Dlt9yaRC0hro'],
    ['pbkdf2 with a key shorter than 16 bytes', '$pbkdf2$1000$iwH.EAB/gMPpqlUAESIzRA$jRz.C0cyU9Jk'],
    ['pbkdf2 with a missing key', '$pbkdf2-sha256$1000$iwH.EAB/gMPpqlUAESIzRA'],
    ['pbkdf2 with characters outside base64', '$pbkdf2-sha256$1000$iwH.EAB/gMPpqlUAESIzRA$N2my!efPzyNXMlJx9cqklHqKwy7QqSdpIfh8zshnePk'],
  ])('refuses %s', (_label, hash) => {
    expect(parseSelfDescribingHash(hash)).toBeUndefined();
  });

  it('refuses a value that is not a string', () => {
    expect(parseSelfDescribingHash(undefined as unknown as string)).toBeUndefined();
  });
});
