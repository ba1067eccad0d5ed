import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A secret kept in the data directory: generated on first use (32 random bytes), written
 * with mode 0600, printed once so the operator can keep it, and read back on every start.
 */
export function readOrCreateSecret(dataDir: string, file: string, encoding: 'hex', variable: string): string {
  const path = join(dataDir, file);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString(encoding);
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another app of the same deployment created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw error;
  }
  if (variable === 'MQC_OPERATOR_TOKEN') {
    process.stderr.write(`MQC: generated operator token (kept in ${path}; set ${variable} to override): ${secret}\n`);
  } else {
    process.stderr.write(`MQC: generated ${variable} into ${path}\n`);
  }
  return secret;
}
