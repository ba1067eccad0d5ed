import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';

const ROWS_PER_TENANT = 20;
const READS_PER_TENANT = 300;

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

describe('the embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mqc-embedded-'));
  let embedded: EmbeddedPostgres;

  beforeAll(async () => {
    embedded = await startEmbeddedPostgres(dataDir);
    const setup = await connect(embedded.url);
    await setup.query('CREATE TABLE tenant_users (tenant text NOT NULL, user_id text NOT NULL)');
    for (const tenant of ['a', 'b']) {
      for (let i = 0; i < ROWS_PER_TENANT; i++) await setup.query('INSERT INTO tenant_users VALUES ($1, $2)', [tenant, `${tenant}-${i}`]);
    }
    await setup.end();
  });

  afterAll(async () => {
    await embedded?.close();
  });

  it('serves a real PostgreSQL 17 on loopback with a password', async () => {
    expect(embedded.url).toMatch(/^postgres:\/\/postgres:[0-9a-f]{64}@127\.0\.0\.1:\d+\/postgres$/);
    const client = await connect(embedded.url);
    const { rows } = await client.query<{ version: string }>('SELECT version()');
    await client.end();
    expect(rows[0]?.version).toMatch(/^PostgreSQL 17\./);
    const wrongPassword = new Client({ connectionString: embedded.url.replace(/:[0-9a-f]{64}@/, ':guess@') });
    await expect(wrongPassword.connect()).rejects.toThrow(/password authentication failed/);
  });

  it("gives two tenants' concurrent reads only their own rows while a third connection's transactions fail", async () => {
    const [readerA, readerB, failing] = await Promise.all([connect(embedded.url), connect(embedded.url), connect(embedded.url)]);
    let reading = true;
    let failures = 0;
    const failLoop = (async () => {
      while (reading) {
        await failing.query('BEGIN');
        // A NUL byte is refused by the server inside the transaction: an ErrorResponse mid-flight.
        await failing.query('INSERT INTO tenant_users VALUES ($1, $2)', ['c', 'bad\u0000id']).catch(() => failures++);
        await failing.query('ROLLBACK');
      }
    })();
    const read = async (client: Client, tenant: string) => {
      const wrong: string[] = [];
      for (let i = 0; i < READS_PER_TENANT; i++) {
        const result = await client.query<{ user_id: string }>('SELECT user_id FROM tenant_users WHERE tenant = $1 ORDER BY user_id', [tenant]).then(
          (r) => r.rows.map((row) => row.user_id),
          (error: Error) => [`error: ${error.message}`],
        );
        if (result.length !== ROWS_PER_TENANT || result.some((id) => !id.startsWith(`${tenant}-`))) wrong.push(result.join(','));
      }
      return wrong;
    };
    try {
      const [wrongA, wrongB] = await Promise.all([read(readerA, 'a'), read(readerB, 'b')]).finally(() => (reading = false));
      await failLoop;
      expect(failures).toBeGreaterThan(0);
      expect({ wrongA, wrongB }).toEqual({ wrongA: [], wrongB: [] });
    } finally {
      reading = false;
      await Promise.all([readerA, readerB, failing].map((client) => client.end().catch(() => undefined)));
    }
  });

  it('refuses a second start on a data directory whose server runs for a live launcher', async () => {
    await expect(startEmbeddedPostgres(dataDir)).rejects.toThrow(
      new RegExp(`the embedded PostgreSQL in ${join(dataDir, 'pg', 'data')} is in use by process ${process.pid}: stop that npm start`),
    );
    const client = await connect(embedded.url);
    await client.end();
  });

  it('starts its server again on the same URL when the server was killed', async () => {
    const pid = () => Number(readFileSync(join(dataDir, 'pg', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const killed = pid();
    process.kill(killed, 'SIGKILL');
    // @mqc/testing imports this library, so its eventually() is not ours to use: poll here.
    let count: number | undefined;
    for (let waited = 0; count === undefined && waited < 30_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      count = await connect(embedded.url).then(
        async (client) => {
          const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM tenant_users');
          await client.end();
          return Number(rows[0]?.count);
        },
        () => undefined,
      );
    }
    expect(count).toBe(2 * ROWS_PER_TENANT);
    expect(pid()).not.toBe(killed);
  });

  it('keeps its data across a restart on the same data directory', async () => {
    await embedded.close();
    embedded = await startEmbeddedPostgres(dataDir);
    const client = await connect(embedded.url);
    const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM tenant_users');
    await client.end();
    expect(Number(rows[0]?.count)).toBe(2 * ROWS_PER_TENANT);
  });
});

describe('the embedded PostgreSQL on the data directory of an older MQC', () => {
  it('says that the PGlite files there are not read, and starts a cluster of its own', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mqc-embedded-'));
    mkdirSync(join(dataDir, 'pg'));
    writeFileSync(join(dataDir, 'pg', 'PG_VERSION'), '17\n');
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
    const embedded = await startEmbeddedPostgres(dataDir).finally(() => spy.mockRestore());
    await embedded.close();
    expect(written.join('')).toContain(`MQC: ${join(dataDir, 'pg')} holds the files of the PGlite database of an older MQC; they are not read`);
    expect(existsSync(join(dataDir, 'pg', 'data', 'PG_VERSION'))).toBe(true);
  });
});
