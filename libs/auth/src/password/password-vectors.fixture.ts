import type { StoredPassword } from './password-hash-params';

/*
 * Known answers made by other tools, never by our code (OpenSSL 3.0, Python 3 hashlib,
 * Apache htpasswd 2.4, libxcrypt's mkpasswd, the Argon2 reference CLI, passlib 1.7.4).
 * Each entry gives the command that produced it. Shell strings are printed with
 * `printf '%s'`, so no trailing newline is hashed; the files are UTF-8.
 */

export interface KnownVector {
  source: string;
  password: string;
  stored: StoredPassword;
}

const PASSWORD = 'p4ssw0rd!';
const UTF8_PASSWORD = 'pässwörd✓';
const SALT = 'f3c5e6a0b1d2';

export const SIMPLE_HASH_VECTORS: readonly KnownVector[] = [
  // printf '%s' 'p4ssw0rd!' | openssl dgst -md5 -r     (and -sha1, -sha256, -sha512 below)
  { source: "printf '%s' 'p4ssw0rd!' | openssl dgst -md5 -r", password: PASSWORD, stored: { hash: '741406c6940752b8ccf1834696338373', salt: '', params: { name: 'md5', saltPosition: 'none' } } },
  { source: "printf '%s' 'f3c5e6a0b1d2p4ssw0rd!' | openssl dgst -md5 -r", password: PASSWORD, stored: { hash: '9b9b4c26024a3ae541f8c9516b6743cf', salt: SALT, params: { name: 'md5', saltPosition: 'prefix' } } },
  { source: "printf '%s' 'p4ssw0rd!f3c5e6a0b1d2' | openssl dgst -md5 -r", password: PASSWORD, stored: { hash: '798df296b9c54887f70b61f976d2b476', salt: SALT, params: { name: 'md5', saltPosition: 'suffix' } } },
  { source: "printf '%s' 'p4ssw0rd!' | openssl dgst -sha1 -r", password: PASSWORD, stored: { hash: '1e8302268d7c07670a4c9716da22a54ebb9a361b', salt: '', params: { name: 'sha1', saltPosition: 'none' } } },
  { source: "printf '%s' 'f3c5e6a0b1d2p4ssw0rd!' | openssl dgst -sha1 -r", password: PASSWORD, stored: { hash: 'b5f980b74e823d4e0191dbc588db317b87f47d08', salt: SALT, params: { name: 'sha1', saltPosition: 'prefix' } } },
  { source: "printf '%s' 'p4ssw0rd!f3c5e6a0b1d2' | openssl dgst -sha1 -r", password: PASSWORD, stored: { hash: '48cede393f06e5fe81c9877d709047bf7827a04a', salt: SALT, params: { name: 'sha1', saltPosition: 'suffix' } } },
  { source: "printf '%s' 'p4ssw0rd!' | openssl dgst -sha256 -r", password: PASSWORD, stored: { hash: '630b556a1af07a46a3d017e59e9f1610f74548a72b1e517656ddec083eb996b9', salt: '', params: { name: 'sha256', saltPosition: 'none' } } },
  { source: "printf '%s' 'f3c5e6a0b1d2p4ssw0rd!' | openssl dgst -sha256 -r", password: PASSWORD, stored: { hash: '60cf06d344513c215e5e6599321c59537ab2db4f7b40dfce473504652b378526', salt: SALT, params: { name: 'sha256', saltPosition: 'prefix' } } },
  { source: "printf '%s' 'p4ssw0rd!f3c5e6a0b1d2' | openssl dgst -sha256 -r", password: PASSWORD, stored: { hash: 'e0102a0e3119101a0a635b7c03991ad67c8cc33ddd74068b24887460b6df5058', salt: SALT, params: { name: 'sha256', saltPosition: 'suffix' } } },
  { source: "printf '%s' 'p4ssw0rd!' | openssl dgst -sha512 -r", password: PASSWORD, stored: { hash: '89cb702c00cdc894adb6da5a5023c236cdc96447b1880b0e6b15106c5faf363ce63e7f826bdd3241561d83256ef4c14c6dc5f38a8bb275a06c3f74c1359df01e', salt: '', params: { name: 'sha512', saltPosition: 'none' } } },
  { source: "printf '%s' 'f3c5e6a0b1d2p4ssw0rd!' | openssl dgst -sha512 -r", password: PASSWORD, stored: { hash: '957309178371965ea9fe938c8dd8528acbe7f5dbdb49c1193b6d72442f69d18db1c1631d0ed0cb20aacdc69edca9086f17288baeec6b919e49e9e2768d4d76db', salt: SALT, params: { name: 'sha512', saltPosition: 'prefix' } } },
  { source: "printf '%s' 'p4ssw0rd!f3c5e6a0b1d2' | openssl dgst -sha512 -r", password: PASSWORD, stored: { hash: '3bb5e6aa1e38dd9acc6fc5e75422f0fa900415d2896842c8980bcf806662ac844935bf5b76b0c2241fb07f54b5eeef67d1a48b18e8c73a4e305a1d15a27d7661', salt: SALT, params: { name: 'sha512', saltPosition: 'suffix' } } },
  // python3 -c "import hashlib; print(hashlib.new(ALG, ('s4lt' + 'pässwörd✓').encode()).hexdigest())"  (UTF-8 bytes)
  { source: "python3 hashlib.new('md5', ('s4lt'+'pässwörd✓').encode()).hexdigest()", password: UTF8_PASSWORD, stored: { hash: '0f55dafbbf164fcb996286d28f5ea590', salt: 's4lt', params: { name: 'md5', saltPosition: 'prefix' } } },
  { source: "python3 hashlib.new('sha1', ('s4lt'+'pässwörd✓').encode()).hexdigest()", password: UTF8_PASSWORD, stored: { hash: '7ed3a0259e8734316fa7986575abff2f239987d5', salt: 's4lt', params: { name: 'sha1', saltPosition: 'prefix' } } },
  { source: "python3 hashlib.new('sha256', ('s4lt'+'pässwörd✓').encode()).hexdigest()", password: UTF8_PASSWORD, stored: { hash: '9be607354d9d4f3d132e33d5dc22def4b6f6cdaa61419e800def693904893fe9', salt: 's4lt', params: { name: 'sha256', saltPosition: 'prefix' } } },
  { source: "python3 hashlib.new('sha512', ('s4lt'+'pässwörd✓').encode()).hexdigest()", password: UTF8_PASSWORD, stored: { hash: '0da1d4c738a302318e78ed5f7b586e28df2224f9aa37dde6925c68215ff3f5c30e282ecb748ff3a65e0e3c35f86e4c5aa5c1b2559455b62bad7a4040ae46ed09', salt: 's4lt', params: { name: 'sha512', saltPosition: 'prefix' } } },
  // `plain` stores the salted text itself (EMQX semantics); no tool needed beyond concatenation.
  { source: "printf '%s%s' 'f3c5e6a0b1d2' 'p4ssw0rd!'", password: PASSWORD, stored: { hash: 'f3c5e6a0b1d2p4ssw0rd!', salt: SALT, params: { name: 'plain', saltPosition: 'prefix' } } },
  { source: "printf '%s%s' 'p4ssw0rd!' 'f3c5e6a0b1d2'", password: PASSWORD, stored: { hash: 'p4ssw0rd!f3c5e6a0b1d2', salt: SALT, params: { name: 'plain', saltPosition: 'suffix' } } },
  { source: "printf '%s' 'p4ssw0rd!'", password: PASSWORD, stored: { hash: 'p4ssw0rd!', salt: '', params: { name: 'plain', saltPosition: 'none' } } },
];

const PBKDF2_SALT = '9a1f3c0e2b4d6f80';
/** openssl prints colon-separated upper-case hex; the colons are removed here, the case kept where shown. */
export const PBKDF2_HEX_VECTORS: readonly KnownVector[] = [
  { source: "openssl kdf -keylen 20 -kdfopt digest:SHA1 -kdfopt pass:'p4ssw0rd!' -kdfopt salt:9a1f3c0e2b4d6f80 -kdfopt iter:4096 PBKDF2", password: PASSWORD, stored: { hash: '0dc0b62a0bf242860ddd156d1cc3ad8f2fac9376', salt: PBKDF2_SALT, params: { name: 'pbkdf2', macFun: 'sha1', iterations: 4096 } } },
  { source: "openssl kdf -keylen 32 -kdfopt digest:SHA1 -kdfopt pass:'p4ssw0rd!' -kdfopt salt:9a1f3c0e2b4d6f80 -kdfopt iter:4096 PBKDF2", password: PASSWORD, stored: { hash: '0DC0B62A0BF242860DDD156D1CC3AD8F2FAC9376E15C1BF632DDF17FF25EF1B4', salt: PBKDF2_SALT, params: { name: 'pbkdf2', macFun: 'sha1', iterations: 4096, keyLength: 32 } } },
  { source: "openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt pass:'p4ssw0rd!' -kdfopt salt:9a1f3c0e2b4d6f80 -kdfopt iter:4096 PBKDF2", password: PASSWORD, stored: { hash: '20dc3cd77a92b1f59cbcac9dd0e1660738ce5357c23c7edbf6a69e871f469945', salt: PBKDF2_SALT, params: { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 } } },
  { source: "openssl kdf -keylen 16 -kdfopt digest:SHA256 -kdfopt pass:'p4ssw0rd!' -kdfopt salt:9a1f3c0e2b4d6f80 -kdfopt iter:1000 PBKDF2", password: PASSWORD, stored: { hash: 'cc11c45ffdbbd388314beb01bef4cf98', salt: PBKDF2_SALT, params: { name: 'pbkdf2', macFun: 'sha256', iterations: 1000, keyLength: 16 } } },
  { source: "openssl kdf -keylen 32 -kdfopt digest:SHA512 -kdfopt pass:'p4ssw0rd!' -kdfopt salt:9a1f3c0e2b4d6f80 -kdfopt iter:4096 PBKDF2", password: PASSWORD, stored: { hash: 'f4d9b4b49e52efa366f868dc0f3cea1dc9b80d11be7e9340fea2f0823b170299', salt: PBKDF2_SALT, params: { name: 'pbkdf2', macFun: 'sha512', iterations: 4096, keyLength: 32 } } },
  { source: "openssl kdf -keylen 64 -kdfopt digest:SHA512 -kdfopt pass:'p4ssw0rd!' -kdfopt salt:9a1f3c0e2b4d6f80 -kdfopt iter:1000 PBKDF2", password: PASSWORD, stored: { hash: '148e3896de5f3488355058d1d96f5e76a60f67cf046f5d38a1737e1da6832e604eea69a157cc1291915aa9d76aadb50ed3d29200c455f4acc659326d03d52930', salt: PBKDF2_SALT, params: { name: 'pbkdf2', macFun: 'sha512', iterations: 1000 } } },
];

/** Self-describing strings; `params` states what parseSelfDescribingHash must read from them. */
export interface SelfDescribingVector {
  source: string;
  password: string;
  hash: string;
  params: StoredPassword['params'];
}

export const SELF_DESCRIBING_VECTORS: readonly SelfDescribingVector[] = [
  { source: "htpasswd -bnBC 10 alice 'p4ssw0rd!'", password: PASSWORD, hash: '$2y$10$Guzxpeeu3YgDvszWoC9b.OyXSIqfRg9eJv3cpeDUenHFODcToOhDu', params: { name: 'bcrypt', rounds: 10 } },
  { source: "htpasswd -bnBC 5 bob 'pässwörd✓'", password: UTF8_PASSWORD, hash: '$2y$05$BhT3m7PCYDXSIm30Z2xeFOZr9/zWC432gG/r4j0zvAbdJhVnGT2Ty', params: { name: 'bcrypt', rounds: 5 } },
  { source: "mkpasswd -m bcrypt -R 10 'p4ssw0rd!'   (libxcrypt, whois 5.5)", password: PASSWORD, hash: '$2b$10$ysX9wmEQelkj3ziT6ZMZe.fFl02o9Hpzb7sI1df3rYQui.RI2B7.S', params: { name: 'bcrypt', rounds: 10 } },
  { source: "mkpasswd -m bcrypt-a -R 6 'pässwörd✓'", password: UTF8_PASSWORD, hash: '$2a$06$8UzIs5NitqBsxZjgW2kjO.1.KN/ODvljrGxlEXJDDfXL0J3Irh5.G', params: { name: 'bcrypt', rounds: 6 } },
  // Argon2 reference CLI (Debian package argon2 0~20171227): the salt is the first argument.
  { source: "printf '%s' 'p4ssw0rd!' | argon2 saltsaltsaltsalt -id -t 2 -k 19456 -p 1 -l 32 -e", password: PASSWORD, hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$Aq36VfhoRwWO7691PmkWPz6pWflZ4JkuG63x05QpA88', params: { name: 'argon2id', memoryCost: 19456, timeCost: 2, parallelism: 1 } },
  { source: "printf '%s' 'pässwörd✓' | argon2 an0ther-s4lt -id -t 3 -k 4096 -p 2 -l 32 -e", password: UTF8_PASSWORD, hash: '$argon2id$v=19$m=4096,t=3,p=2$YW4wdGhlci1zNGx0$3nsVkCqDEkC9tOZE6l7WXhW+DWMYZIYuzi+l2HyhHaI', params: { name: 'argon2id', memoryCost: 4096, timeCost: 3, parallelism: 2 } },
  { source: "printf '%s' 'p4ssw0rd!' | argon2 saltsaltsaltsalt -id -t 2 -k 8192 -p 1 -l 32 -v 10 -e", password: PASSWORD, hash: '$argon2id$v=16$m=8192,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$QTBIQ6sPFGgh1ocuM0yaLxcgkGdIpa1+6Kg4maq8znA', params: { name: 'argon2id', memoryCost: 8192, timeCost: 2, parallelism: 1 } },
  // passlib 1.7.4: pbkdf2_<digest>.using(rounds=N, salt=bytes.fromhex('8b01fe10007f80c3e9aa550011223344')).hash(PASSWORD)
  { source: "passlib pbkdf2_sha1.using(rounds=1000, salt=bytes.fromhex('8b01fe10007f80c3e9aa550011223344')).hash('p4ssw0rd!')", password: PASSWORD, hash: '$pbkdf2$1000$iwH.EAB/gMPpqlUAESIzRA$jRz.C0cyU9JksL4Dlt9yaRC0hro', params: { name: 'pbkdf2', macFun: 'sha1', iterations: 1000, keyLength: 20 } },
  { source: "passlib pbkdf2_sha256.using(rounds=2000, salt=bytes.fromhex('8b01fe10007f80c3e9aa550011223344')).hash('pässwörd✓')", password: UTF8_PASSWORD, hash: '$pbkdf2-sha256$2000$iwH.EAB/gMPpqlUAESIzRA$N2myIefPzyNXMlJx9cqklHqKwy7QqSdpIfh8zshnePk', params: { name: 'pbkdf2', macFun: 'sha256', iterations: 2000, keyLength: 32 } },
  { source: "passlib pbkdf2_sha512.using(rounds=3000, salt=bytes.fromhex('8b01fe10007f80c3e9aa550011223344')).hash('p4ssw0rd!')", password: PASSWORD, hash: '$pbkdf2-sha512$3000$iwH.EAB/gMPpqlUAESIzRA$0xxg8C7aICEu9MkVKKSSb4WY2VCYacAZOHXsPEcdLlBFyzAVmF1FMIjxORcgcy1dPrd7H8W9Z45HWU9E5zg08w', params: { name: 'pbkdf2', macFun: 'sha512', iterations: 3000, keyLength: 64 } },
  // The example printed in passlib's documentation (passlib.hash.pbkdf2_digest page).
  { source: 'passlib docs: pbkdf2_sha256.hash("password")', password: 'password', hash: '$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M', params: { name: 'pbkdf2', macFun: 'sha256', iterations: 6400, keyLength: 32 } },
  // PHC spelling (i=, standard base64 without padding):
  // python3 -c "import hashlib,base64; s=bytes.fromhex('8b01fe10007f80c3e9aa550011223344'); b=lambda x: base64.b64encode(x).decode().rstrip('=');
  //   print('\$pbkdf2-sha256\$i=5000\$'+b(s)+'\$'+b(hashlib.pbkdf2_hmac('sha256', b'p4ssw0rd!', s, 5000)))"   (sha512 likewise)
  { source: "python3 hashlib.pbkdf2_hmac('sha256', b'p4ssw0rd!', salt, 5000) + base64", password: PASSWORD, hash: '$pbkdf2-sha256$i=5000$iwH+EAB/gMPpqlUAESIzRA$zYNsRznb7etyz2E0XrvUXJH4CmiJge6abGhP8PSndkg', params: { name: 'pbkdf2', macFun: 'sha256', iterations: 5000, keyLength: 32 } },
  { source: "python3 hashlib.pbkdf2_hmac('sha512', b'p4ssw0rd!', salt, 5000) + base64", password: PASSWORD, hash: '$pbkdf2-sha512$i=5000$iwH+EAB/gMPpqlUAESIzRA$4BxzUYb2d+IL2A7JUrdbHCZ3uBm2OYtEYr9XO/U4hWh9iP/UUzHnujG4+fldUs7KNhm0APnZkxFvSZGBIi0q2w', params: { name: 'pbkdf2', macFun: 'sha512', iterations: 5000, keyLength: 64 } },
];

/**
 * RFC 9106 section 5.3 (Argon2id test vector): password 32 x 0x01, salt 16 x 0x02, secret
 * 8 x 0x03, associated data 12 x 0x04, m = 32 KiB, t = 3, p = 4, tag length 32. Our API has no
 * secret or associated data, so this checks the native binding verifyPassword relies on.
 */
export const RFC9106_ARGON2ID = {
  password: Buffer.alloc(32, 0x01),
  salt: Buffer.alloc(16, 0x02),
  secret: Buffer.alloc(8, 0x03),
  associatedData: Buffer.alloc(12, 0x04),
  memoryCost: 32,
  timeCost: 3,
  parallelism: 4,
  hashLength: 32,
  tag: '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659',
} as const;
