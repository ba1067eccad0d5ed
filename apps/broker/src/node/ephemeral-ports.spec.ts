import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ephemeralOverlap, overlapOf, parsePortRange } from './ephemeral-ports';

function rangeFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mqc-ports-')), 'ip_local_port_range');
  writeFileSync(file, content);
  return file;
}

describe('the broker ports against the kernel\'s ephemeral range', () => {
  it('parses ip_local_port_range as the kernel writes it, and nothing else', () => {
    expect(parsePortRange('32768\t60999\n')).toEqual({ first: 32768, last: 60999 });
    expect(parsePortRange('1024 65535')).toEqual({ first: 1024, last: 65535 });
    expect(parsePortRange('')).toBeUndefined();
    expect(parsePortRange('60999 32768')).toBeUndefined();
    expect(parsePortRange('32768')).toBeUndefined();
  });

  it('finds the shared ports of two ranges, edges included', () => {
    const ephemeral = { first: 32768, last: 60999 };
    expect(overlapOf({ first: 18830, last: 19829 }, ephemeral)).toBeUndefined();
    expect(overlapOf({ first: 18830, last: 32767 }, ephemeral)).toBeUndefined();
    expect(overlapOf({ first: 18830, last: 32768 }, ephemeral)).toEqual({ first: 32768, last: 32768 });
    expect(overlapOf({ first: 40000, last: 40999 }, ephemeral)).toEqual({ first: 40000, last: 40999 });
    expect(overlapOf({ first: 60000, last: 65000 }, ephemeral)).toEqual({ first: 60000, last: 60999 });
    expect(overlapOf({ first: 1000, last: 65000 }, ephemeral)).toEqual(ephemeral);
  });

  it('reads the range from the file, and says nothing when it cannot be read', async () => {
    const file = rangeFile('32768\t60999\n');
    expect(await ephemeralOverlap({ first: 30000, last: 40000 }, file)).toEqual({ ephemeral: { first: 32768, last: 60999 }, overlap: { first: 32768, last: 40000 } });
    expect(await ephemeralOverlap({ first: 18830, last: 19829 }, file)).toBeUndefined();
    expect(await ephemeralOverlap({ first: 30000, last: 40000 }, join(tmpdir(), 'no-such-dir', 'ip_local_port_range'))).toBeUndefined();
  });
});
