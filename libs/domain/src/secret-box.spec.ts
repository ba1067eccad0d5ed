import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, in the same context', () => {
    const sealed = box.seal('ca private key', 'instance:1:ca-key');
    expect(sealed).not.toContain('ca private key');
    expect(box.openText(sealed, 'instance:1:ca-key')).toBe('ca private key');
  });

  it('refuses a sealed value moved to another context', () => {
    const sealed = box.seal('secret', 'instance:1:ca-key');
    expect(() => box.open(sealed, 'instance:2:ca-key')).toThrow();
  });

  it('refuses a tampered value and another key', () => {
    const sealed = box.seal('secret', 'c');
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => box.open(tampered, 'c')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'c')).toThrow();
  });

  it('seals the same plaintext differently each time', () => {
    expect(box.seal('x', 'c')).not.toBe(box.seal('x', 'c'));
  });
});
