import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { TestScramClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { addAuthenticator, connackCode, untilConnack } from '../support/auth';
import { newTenant, runningInstance } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

const run = promisify(execFile);
const DOC = readFileSync(join(__dirname, '../../docs/devices.md'), 'utf8');

/** The fenced block of docs/devices.md whose first line is `firstLine`. */
function snippet(firstLine: string): string {
  const blocks = [...DOC.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const found = blocks.find((block) => block.startsWith(`${firstLine}\n`) || block.startsWith(`${firstLine} `));
  if (found === undefined) throw new Error(`docs/devices.md has no block starting with ${firstLine}`);
  return found;
}

describe('docs/devices.md, run as written against a real stack', () => {
  const config = testConfig();
  let db: TestDatabase;
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    dir = mkdtempSync(join(tmpdir(), 'mqc-docs-'));
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the first-session script works as pasted: ids and ports read from the JSON, a message through the instance, metrics and events', async () => {
    // As in the product (the test stack relaxes it for tests not about authorization): new instances deny what no rule allows.
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    await sql.query(`ALTER TABLE instances ALTER COLUMN authorization_no_match SET DEFAULT 'deny'`);
    await sql.end();
    const script = join(dir, 'first-session.sh');
    writeFileSync(script, snippet('# first-session.sh'));
    const { stdout } = await run('bash', [script], { cwd: dir, env: { ...process.env, API: stack.controlPlane.url, MQC_OPERATOR_TOKEN: config.operatorToken }, timeout: 120_000 });
    expect(stdout).toContain('plant/temp 21.5');
    expect(stdout).toMatch(/"connections": \d+/);
    expect(stdout).toMatch(/"received": [1-9]/);
    expect(stdout).toContain('"type":"client.connected"');
  });

  it('the Node and Python token snippets make SharedAccessSignature passwords the broker accepts, for a client id that needs encoding', async () => {
    const tenant = await newTenant(stack, 'token-docs');
    const instance = await runningInstance(tenant, 'tokens', 'professional');
    expect((await tenant.post(`/v1/instances/${instance.id}/authenticators`, { type: 'device-secret', config: {} })).status).toBe(201);
    const clientId = "line 7/sensör(1)!*'~";
    const device = await tenant.post<{ primaryKey: string }>(`/v1/instances/${instance.id}/devices`, { clientId });
    expect(device.status).toBe(201);
    writeFileSync(join(dir, 'sas-token.js'), snippet('// sas-token.js'));
    writeFileSync(join(dir, 'sas_token.py'), snippet('# sas_token.py'));
    const tokens = [
      (await run('node', [join(dir, 'sas-token.js'), clientId, device.body.primaryKey, '600'])).stdout.trim(),
      (await run('python3', [join(dir, 'sas_token.py'), clientId, device.body.primaryKey, '600'])).stdout.trim(),
    ];
    for (const token of tokens) expect(token).toMatch(/^SharedAccessSignature sr=line%207%2Fsens%C3%B6r\(1\)!\*'~&sig=[A-Za-z0-9%]+&se=\d+$/);
    const url = instance.endpoints!.mqtt;
    // The chain reaches the broker within a second.
    await eventually(async () => expect(await connackCode(url, { clientId, username: 'anything', password: tokens[0]! })).toBe(0), 10_000, 200);
    expect(await connackCode(url, { clientId, username: 'free-text', password: tokens[1]!, protocolVersion: 5 })).toBe(0);
    // A token is bound to its client id.
    expect(await connackCode(url, { clientId: 'someone-else', username: 'x', password: tokens[1]!, protocolVersion: 5 })).toBe(0x86);
  });

  it('the mqtt.js SCRAM and TLS-PSK snippets connect to a platinum instance', async () => {
    const tenant = await newTenant(stack, 'platinum-docs');
    const instance = await runningInstance(tenant, 'platinum', 'platinum');
    await addAuthenticator(tenant, instance.id, 'psk', { identityAsUsername: true });
    await addAuthenticator(tenant, instance.id, 'scram', { algorithm: 'sha256', iterationCount: 4096 });
    await addAuthenticator(tenant, instance.id, 'built-in-database', {});
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'alice', password: 'pw' })).status).toBe(201);
    const keyHex = (await tenant.post<{ key: string }>(`/v1/instances/${instance.id}/psk-identities`, { identity: 'meter-7' })).body.key;
    const ca = (await tenant.get<string>(`/v1/instances/${instance.id}/ca.pem`)).body;
    await untilConnack(instance.endpoints!.mqtt, { username: 'alice', password: 'pw' }, 0);
    for (const name of ['// mqttjs-scram.js', '// mqttjs-psk.js']) {
      // The snippet as written, with what it names from its surroundings passed in.
      const build = new Function('mqtt', 'endpoints', 'ca', 'ScramClient', 'keyHex', `${snippet(name)}\nreturn client;`) as (...args: unknown[]) => mqtt.MqttClient;
      const connack = await eventually(async () => {
        const client = build(mqtt, instance.endpoints, ca, TestScramClient, keyHex);
        client.options.reconnectPeriod = 0;
        try {
          return await new Promise<mqtt.IConnackPacket>((resolve, reject) => client.once('connect', resolve).once('error', reject));
        } finally {
          await client.endAsync(true);
        }
      }, 10_000, 200);
      expect(connack.reasonCode ?? connack.returnCode).toBe(0);
    }
  });
});
