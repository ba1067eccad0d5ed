import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@mqc/testing';
import { createLogger } from './logger';

/** A logger writing into an array of parsed lines. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('spec', 'info', destination), lines };
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('the statement did not fail');
}

describe('a logged database error carries no values of its statement', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource({ type: 'postgres', url: db.url });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE logged (name text PRIMARY KEY)');
    await dataSource.query('INSERT INTO logged VALUES ($1)', ['taken-secret-name']);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('logs the SQLSTATE and the statement, not its parameters, the key in the detail or the value quoted in the message', async () => {
    const { logger, lines } = capturingLogger();
    const badUuid = await failure(() => dataSource.query('SELECT $1::uuid', ['not-a-uuid-s3cret']));
    const duplicate = await failure(() => dataSource.query('INSERT INTO logged VALUES ($1)', ['taken-secret-name']));
    logger.error({ err: badUuid }, 'request failed');
    logger.error({ err: duplicate }, 'request failed');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('taken-secret-name');
    expect(lines.map((line) => (line['err'] as { code: string }).code)).toEqual(['22P02', '23505']);
    expect((lines[1]!['err'] as { query: string; constraint: string }).query).toBe('INSERT INTO logged VALUES ($1)');
    expect((lines[1]!['err'] as { constraint: string }).constraint).toBe('logged_pkey');
  });

  it('logs other errors whole', () => {
    const { logger, lines } = capturingLogger();
    logger.error({ err: new Error('the broker said "no"') }, 'failed');
    expect((lines[0]!['err'] as { message: string }).message).toBe('the broker said "no"');
  });
});
