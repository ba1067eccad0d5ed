// Test support only (imported by *.spec.ts): PEMs go to a temp dir and the openssl CLI judges them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Scratch {
  dir: string;
  /** Writes `content` to `name` in the scratch dir and answers its path. */
  write(name: string, content: string): string;
  read(name: string): string;
  path(name: string): string;
  remove(): void;
}

export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'mqc-pki-'));
  return {
    dir,
    write: (name, content) => {
      writeFileSync(join(dir, name), content);
      return join(dir, name);
    },
    read: (name) => readFileSync(join(dir, name), 'utf8'),
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs openssl; throws with its stderr when it exits non-zero. Answers stdout. */
export function openssl(args: string[], input?: string): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr ?? ''}${err.stdout ?? ''}${err.message}`);
  }
}

/** Runs openssl expecting failure; answers stdout + stderr. */
export function opensslFailure(args: string[]): string {
  try {
    execFileSync('openssl', args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
  throw new Error(`openssl ${args.join(' ')} unexpectedly succeeded`);
}
