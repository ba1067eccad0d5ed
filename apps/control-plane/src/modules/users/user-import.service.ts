import { Injectable } from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { SlowHashGate, hashCostAboveEdition, hashCostSeconds, hashPassword, pbkdf2CostSeconds, slowHashGate, type PasswordHashParams, type ScramCredential } from '@mqc/auth';
import { EDITION_PASSWORD_HASHING, type EditionName } from '@mqc/editions';
import { BuiltInUserEntity } from '@mqc/db';
import type { Caller } from '../../common/caller';
import { assertWithinQuota } from '../../common/edition-gate';
import { DomainError } from '../../common/domain-errors';
import { InstanceChanges } from '../instances/instance-changes';
import { OwnedInstances } from '../instances/owned-instances';
import { findDuplicates, importedHashParams, parseCsvImport, parseJsonImport, type ImportRow, type ImportType, type RowProblem } from './user-import-parser';
import { deriveScramKeys, insertScramKeysByUserId, scramSettings, type ScramSetting } from './scram-keys';
import { UserService } from './user.service';

/** Rows per INSERT … SELECT FROM unnest(…): few round trips, bounded statement size. */
const CHUNK = 5_000;
/** Problems listed in a refusal; the count says how many there were in all. */
const MAX_PROBLEMS_LISTED = 100;
/**
 * One import hashes at a time in this process, the others wait their turn (or leave when
 * their client does), so imports never take more than their share of the slow-hash gate.
 */
const importHashing = new SlowHashGate(1);

export interface ImportInput {
  type: ImportType;
  /** `text/csv` (or `text/plain`) or `application/json`. */
  mediaType: string;
  body: unknown;
  /** The JSON text the body was parsed from, for line numbers. */
  rawJson?: string;
}

interface StoredRow {
  userId: string;
  hash: string;
  salt: string;
  algorithm: string;
  isSuperuser: boolean;
  /** type=plain on an instance with a SCRAM authenticator: the password's SCRAM keys. */
  scramKeys?: ScramCredential[];
}

/** A file with bad rows: nothing was written; each problem names its line. */
export class ImportRefused extends DomainError {
  constructor(problems: RowProblem[], message = 'the file was not imported: fix the listed rows') {
    const sorted = [...problems].sort((a, b) => a.line - b.line);
    super('validation', 'import-invalid', message, { errors: sorted.slice(0, MAX_PROBLEMS_LISTED), errorCount: sorted.length });
  }
}

/**
 * Maps with at most `limit` at once. The first failure (an abort) stops the rest from
 * starting, and is thrown once the running ones have ended: nothing of this call runs after.
 */
async function mapBounded<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await map(items[index] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

/**
 * Bulk import into the built-in store (SPEC 4.1): all rows in one transaction or none; a bad
 * row, a user id given twice or one that already exists is reported by line number.
 */
@Injectable()
export class UserImportService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: OwnedInstances,
    private readonly write: InstanceChanges,
    private readonly users: UserService,
  ) {}

  /**
   * Everything that can refuse the file is checked before the first hash: rows, the edition's
   * caps (rows per import, hash costs, the hashing budget), the user quota and the users that
   * exist. `signal` aborts when the client goes away: hashing stops and nothing is written.
   */
  async import(tenantId: string, instanceId: string, input: ImportInput, caller: Caller, signal?: AbortSignal): Promise<{ imported: number; type: ImportType }> {
    const { edition } = await this.instances.find(tenantId, instanceId);
    const { rows, problems } = this.parse(input);
    problems.push(...findDuplicates(rows));
    const { params: preferred } = await this.users.preferredHash(this.dataSource.manager, instanceId);
    this.users.assertHashCostWithinEdition(preferred, edition);
    const stored = input.type === 'hash' ? this.hashedRows(rows, preferred, problems, edition) : [];
    if (problems.length > 0) throw new ImportRefused(problems);
    await this.assertQuota(instanceId, edition, rows.length);
    this.assertRowCap(edition, rows.length);
    await this.assertNewUsers(instanceId, rows);
    const scram = input.type === 'plain' ? await scramSettings(this.dataSource.manager, instanceId) : [];
    if (input.type === 'plain') this.assertHashBudget(edition, rows.length, preferred, scram);
    // Slow hashes run before the transaction opens, on the slow-hash gate, a few at a time.
    const toStore = input.type === 'plain' ? await importHashing.run(() => this.hashRows(rows, preferred, scram, signal), signal) : stored;
    signal?.throwIfAborted();

    await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      assertWithinQuota(instance.edition, 'builtInUsers', await manager.countBy(BuiltInUserEntity, { instanceId }), toStore.length);
      const clashes: RowProblem[] = [];
      for (let start = 0; start < toStore.length; start += CHUNK) {
        const chunk = toStore.slice(start, start + CHUNK);
        const inserted = await manager.query<{ user_id: string }[]>(
          `INSERT INTO built_in_users (instance_id, user_id, password_hash, salt, algorithm, is_superuser)
           SELECT $1, u.user_id, u.password_hash, u.salt, u.algorithm::jsonb, u.is_superuser
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[]) AS u(user_id, password_hash, salt, algorithm, is_superuser)
           ON CONFLICT (instance_id, user_id) DO NOTHING
           RETURNING user_id`,
          [instanceId, chunk.map((r) => r.userId), chunk.map((r) => r.hash), chunk.map((r) => r.salt), chunk.map((r) => r.algorithm), chunk.map((r) => r.isSuperuser)],
        );
        if (inserted.length < chunk.length) {
          const added = new Set(inserted.map((r) => r.user_id));
          chunk.forEach((row, i) => {
            if (!added.has(row.userId)) clashes.push({ line: rows[start + i]?.line ?? 0, field: 'user_id', message: `user ${row.userId} already exists` });
          });
        }
      }
      // Rolls back every chunk written so far.
      if (clashes.length > 0) throw new ImportRefused(clashes, 'the file was not imported: some users already exist');
      for (let start = 0; start < toStore.length; start += CHUNK) {
        const chunk = toStore.slice(start, start + CHUNK);
        await insertScramKeysByUserId(manager, instanceId, chunk.map((r) => ({ userId: r.userId, keys: r.scramKeys ?? [] })));
      }
      const details = { instanceId, type: input.type, count: toStore.length };
      return { result: undefined, audit: { action: 'user.import', resourceType: 'instance', resourceId: instanceId, details }, change: null };
    });
    return { imported: toStore.length, type: input.type };
  }

  private parse(input: ImportInput): { rows: ImportRow[]; problems: RowProblem[] } {
    if (input.mediaType === 'application/json') return parseJsonImport(input.type, input.body, input.rawJson);
    if (input.mediaType === 'text/csv' || input.mediaType === 'text/plain') {
      if (typeof input.body !== 'string') throw new ImportRefused([{ line: 1, field: '(body)', message: 'send the CSV file as the body' }]);
      return parseCsvImport(input.type, input.body);
    }
    throw new DomainError('unsupported-media-type', 'unsupported-media-type', 'send text/csv or application/json', { accepted: ['text/csv', 'application/json'] });
  }

  /** The quota, checked again in the transaction (another request may add users meanwhile). */
  private async assertQuota(instanceId: string, edition: EditionName, adding: number): Promise<void> {
    assertWithinQuota(edition, 'builtInUsers', await this.dataSource.manager.countBy(BuiltInUserEntity, { instanceId }), adding);
  }

  private assertRowCap(edition: EditionName, rows: number): void {
    const limit = EDITION_PASSWORD_HASHING[edition].importRows;
    if (rows <= limit) return;
    throw new DomainError('validation', 'import-too-large', `the ${edition} edition imports at most ${limit} rows per request; the file has ${rows}: split it`, {
      limit,
      rows,
    });
  }

  /** Users that exist already, by line (the insert finds them again if one is added meanwhile). */
  private async assertNewUsers(instanceId: string, rows: ImportRow[]): Promise<void> {
    const found = await this.dataSource.query<{ user_id: string }[]>(
      'SELECT user_id FROM built_in_users WHERE instance_id = $1 AND user_id = ANY($2::text[])',
      [instanceId, rows.map((r) => r.userId)],
    );
    if (found.length === 0) return;
    const existing = new Set(found.map((r) => r.user_id));
    const clashes = rows.filter((r) => existing.has(r.userId)).map((r) => ({ line: r.line, field: 'user_id', message: `user ${r.userId} already exists` }));
    throw new ImportRefused(clashes, 'the file was not imported: some users already exist');
  }

  /** type=plain: the modelled hashing work of the file (and its SCRAM keys) within the edition's budget. */
  private assertHashBudget(edition: EditionName, rows: number, preferred: PasswordHashParams, scram: readonly ScramSetting[]): void {
    const limit = EDITION_PASSWORD_HASHING[edition].importHashSeconds;
    const perRow = hashCostSeconds(preferred) + scram.reduce((sum, s) => sum + pbkdf2CostSeconds(s.algorithm, s.iterations), 0);
    // Rows that fit, with a hair of slack for floating point (0.1 × 2^2 is not quite 0.4).
    const maxRows = perRow === 0 ? Infinity : Math.floor(limit / perRow + 1e-9);
    if (rows <= maxRows) return;
    const estimated = perRow * rows;
    throw new DomainError(
      'validation',
      'import-too-costly',
      `hashing ${rows} passwords with ${preferred.name}${scram.length > 0 ? ' and their SCRAM keys' : ''} takes about ${Math.round(estimated)} s of a core; the ${edition} edition allows ${limit} s per import: send at most ${maxRows} rows per request, or import hashes (type=hash)`,
      { limitSeconds: limit, estimatedSeconds: Math.round(estimated), maxRows },
    );
  }

  /** type=hash: each row's algorithm is its own when self-describing, else the instance's. */
  private hashedRows(rows: ImportRow[], preferred: PasswordHashParams, problems: RowProblem[], edition: EditionName): StoredRow[] {
    const preferredJson = JSON.stringify(preferred);
    const stored: StoredRow[] = [];
    for (const row of rows) {
      const hash = row.passwordHash ?? '';
      const found = importedHashParams(hash, preferred);
      if ('problem' in found) {
        problems.push({ line: row.line, field: 'password_hash', message: found.problem });
        continue;
      }
      // Each login with this row pays its cost.
      const over = found.selfDescribing ? hashCostAboveEdition(found.params, edition) : [];
      if (over.length > 0) {
        problems.push({ line: row.line, field: 'password_hash', message: over.map((p) => p.message).join('; ') });
        continue;
      }
      stored.push({
        userId: row.userId,
        hash,
        // A self-describing hash carries its salt.
        salt: found.selfDescribing ? '' : row.salt,
        algorithm: found.selfDescribing ? JSON.stringify(found.params) : preferredJson,
        isSuperuser: row.isSuperuser,
      });
    }
    return stored;
  }

  /** Half the gate's slots at most: other requests' hashes keep their turn while a file is hashed. */
  private async hashRows(rows: ImportRow[], preferred: PasswordHashParams, scram: readonly ScramSetting[], signal?: AbortSignal): Promise<StoredRow[]> {
    const concurrency = Math.max(1, Math.floor(slowHashGate.concurrency / 2));
    const stored: StoredRow[] = [];
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = rows.slice(start, start + CHUNK);
      const hashed = await mapBounded(chunk, concurrency, async (row) => {
        signal?.throwIfAborted();
        const result = await hashPassword(row.password ?? '', preferred, { signal });
        const scramKeys = scram.length > 0 ? await deriveScramKeys(row.password ?? '', scram, signal) : undefined;
        return { userId: row.userId, hash: result.hash, salt: result.salt, algorithm: JSON.stringify(result.params), isSuperuser: row.isSuperuser, scramKeys };
      });
      stored.push(...hashed);
      // Fast hashes run on the event loop: let other requests through between chunks.
      await yieldToEventLoop();
    }
    return stored;
  }
}
