import { describe, expect, it } from 'vitest';
import { passwordHashParamsSchema } from './password-hash-params';

function messages(input: unknown): string[] {
  const result = passwordHashParamsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

describe('passwordHashParamsSchema', () => {
  it.each([
    [{ name: 'sha256' }, { name: 'sha256', saltPosition: 'prefix' }],
    [{ name: 'plain', saltPosition: 'none' }, { name: 'plain', saltPosition: 'none' }],
    [{ name: 'bcrypt' }, { name: 'bcrypt', rounds: 10 }],
    [{ name: 'pbkdf2', macFun: 'sha512' }, { name: 'pbkdf2', macFun: 'sha512', iterations: 4096 }],
    [{ name: 'pbkdf2', macFun: 'sha1', iterations: 1000, keyLength: 20 }, { name: 'pbkdf2', macFun: 'sha1', iterations: 1000, keyLength: 20 }],
    [{ name: 'argon2id' }, { name: 'argon2id', memoryCost: 19456, timeCost: 2, parallelism: 1 }],
  ])('fills defaults: %j', (input, expected) => {
    expect(passwordHashParamsSchema.parse(input)).toEqual(expected);
  });

  it.each([
    ['an unknown algorithm', { name: 'scrypt' }, 'name: name must be one of plain, md5, sha1, sha256, sha512, bcrypt, pbkdf2, argon2id'],
    ['a missing name', {}, 'name: name must be one of plain, md5, sha1, sha256, sha512, bcrypt, pbkdf2, argon2id'],
    ['a string', 'sha256', '(root): passwordHash must be an object'],
    ['a bad salt position', { name: 'md5', saltPosition: 'middle' }, 'saltPosition: saltPosition must be one of prefix, suffix, none'],
    ['an EMQX-style field name', { name: 'md5', salt_position: 'prefix' }, '(root): unknown field(s) for salted hashes: salt_position'],
    ['bcrypt rounds too high', { name: 'bcrypt', rounds: 16 }, 'rounds: bcrypt rounds must be an integer from 4 to 15'],
    ['bcrypt rounds fractional', { name: 'bcrypt', rounds: 10.5 }, 'rounds: bcrypt rounds must be an integer from 4 to 15'],
    ['bcrypt rounds as a string', { name: 'bcrypt', rounds: '10' }, 'rounds: bcrypt rounds must be a number'],
    ['pbkdf2 without a mac', { name: 'pbkdf2' }, 'macFun: pbkdf2 macFun must be one of sha1, sha256, sha512'],
    ['pbkdf2 with md5', { name: 'pbkdf2', macFun: 'md5' }, 'macFun: pbkdf2 macFun must be one of sha1, sha256, sha512'],
    ['pbkdf2 zero iterations', { name: 'pbkdf2', macFun: 'sha256', iterations: 0 }, 'iterations: pbkdf2 iterations must be an integer from 1 to 2000000'],
    ['pbkdf2 a tiny key', { name: 'pbkdf2', macFun: 'sha256', keyLength: 8 }, 'keyLength: pbkdf2 keyLength must be an integer from 16 to 1024'],
    ['argon2id too much memory', { name: 'argon2id', memoryCost: 1_048_576 }, 'memoryCost: argon2id memoryCost (KiB) must be an integer from 1024 to 262144'],
    ['argon2id zero passes', { name: 'argon2id', timeCost: 0 }, 'timeCost: argon2id timeCost must be an integer from 1 to 16'],
    ['bcrypt with a pbkdf2 field', { name: 'bcrypt', iterations: 5 }, '(root): unknown field(s) for bcrypt: iterations'],
  ])('refuses %s with a precise message', (_label, input, expected) => {
    expect(messages(input)).toEqual([expected]);
  });
});
