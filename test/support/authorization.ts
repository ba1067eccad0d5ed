import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { Client } from 'pg';

async function withDatabase<T>(databaseUrl: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/**
 * Issue 13: new instances deny what no authorization rule decides. Tests that are not about
 * authorization publish and subscribe freely, so their test database makes new instances allow
 * it (the default instances had before authorization), before any instance exists and before a
 * broker loads one. Tests about authorization set the policy of their instance themselves.
 */
export function allowWhatNoRuleDecides(databaseUrl: string): Promise<void> {
  return withDatabase(databaseUrl, async (db) => {
    await db.query(`ALTER TABLE instances ALTER COLUMN authorization_no_match SET DEFAULT 'allow'`);
  });
}

/** Sets one instance's authorization policy by SQL (the console API is not this test's subject); a broker applies it on its next load or change event. */
export function setAuthorizationPolicy(databaseUrl: string, instanceId: string, noMatch: 'allow' | 'deny', denyAction: 'ignore' | 'disconnect' = 'ignore'): Promise<void> {
  return withDatabase(databaseUrl, async (db) => {
    await db.query('UPDATE instances SET authorization_no_match = $2, authorization_deny_action = $3 WHERE id = $1', [instanceId, noMatch, denyAction]);
  });
}

/** The URL of the PostgreSQL server `npm start` embeds for a data directory, while it runs. */
export function embeddedDatabaseUrl(dataDir: string): string {
  const directory = join(dataDir, 'pg');
  const password = readFileSync(join(directory, 'password'), 'utf8').trim();
  // postmaster.pid: pid, data directory, start time, port, … one per line.
  const port = Number(readFileSync(join(directory, 'data', 'postmaster.pid'), 'utf8').split('\n')[3]);
  return `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
}

/** The granted QoS (or failure code) of one filter: mqtt.js resolves 3.1.1's 0x80 and rejects 5.0's failure with the SUBACK. */
export async function grant(client: MqttClient, topic: string): Promise<number> {
  try {
    const granted = await client.subscribeAsync(topic, { qos: 1 });
    return granted[0]!.qos;
  } catch (error) {
    const granted = (error as { packet?: { granted?: number[] } }).packet?.granted;
    if (granted?.[0] === undefined) throw error;
    return granted[0];
  }
}

/** One message through mosquitto_sub (a second, independent client implementation), `topic payload`; '' when it ends with none (a refused SUBSCRIBE). */
export function mosquittoSubOne(port: number, clientId: string, topic: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-i', clientId, '-t', topic, '-C', '1', '-W', '20', '-v'], (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
  });
}
