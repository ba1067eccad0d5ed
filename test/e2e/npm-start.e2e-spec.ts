import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '@mqc/testing';
import { connectClient, nextMessage, runningInstance } from '../support/instances';
import { embeddedDatabaseUrl, setAuthorizationPolicy } from '../support/authorization';

const root = resolve(__dirname, '..', '..');
const launcher = join(root, 'dist', 'infra', 'local', 'start.js');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The process id of the launcher's child running `app`, from /proc. */
function appPid(launcherPid: number, app: string): number | undefined {
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
      if (parent === launcherPid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`apps/${app}/src/main.js`)) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

/** Runs the built launcher exactly as `npm start` does, with DATABASE_URL unset. */
function launch(env: Record<string, string>): Run {
  const environment: NodeJS.ProcessEnv = { ...process.env, TS_NODE_BASEURL: join(root, 'dist'), MQC_LOG_LEVEL: 'warn', ...env };
  delete environment['DATABASE_URL'];
  const child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', launcher], { cwd: root, env: environment });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

describe('npm start on a fresh data directory', () => {
  // Below the ephemeral range (32768+) and the test windows of testConfig (20000-31999).
  const base = 12_000 + randomInt(0, 100) * 50;
  const ports = { api: base, broker: base + 1, worker: base + 2 };
  const dataDir = mkdtempSync(join(tmpdir(), 'mqc-start-'));
  const environment = {
    MQC_DATA_DIR: dataDir,
    MQC_API_PORT: String(ports.api),
    MQC_BROKER_ADMIN_PORT: String(ports.broker),
    MQC_WORKER_ADMIN_PORT: String(ports.worker),
    MQC_BROKER_PORTS: `${base + 10}-${base + 49}`,
    MQC_BIND_HOST: '127.0.0.1',
    MQC_REDIS_PREFIX: `mqc-start-${base}`,
  };
  let run: Run;

  beforeAll(() => {
    expect(existsSync(launcher), 'npm test builds before it runs the tests').toBe(true);
    run = launch(environment);
  });

  afterAll(async () => {
    if (run.child.exitCode === null) {
      // SIGTERM: the launcher stops its apps and its PostgreSQL server.
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });

  it('runs the embedded PostgreSQL and all three apps, each ready', async () => {
    for (const port of Object.values(ports)) {
      await eventually(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`);
        expect(response.status).toBe(200);
      }, 60_000, 250);
    }
    expect(run.output()).toContain(`embedded PostgreSQL in ${join(dataDir, 'pg')}`);
    // The broker found and reniced its thread pool (it warns when something started it first).
    expect(run.output()).not.toContain('thread pool priority unchanged');
    const token = readFileSync(join(dataDir, 'operator-token'), 'utf8').trim();
    expect(run.output()).toContain(token);
    const tenants = await fetch(`http://127.0.0.1:${ports.api}/v1/ops/tenants`, { headers: { authorization: `Bearer ${token}` } });
    expect(tenants.status).toBe(200);
    // The built control plane finds the built console (dist/console) and serves it at /console.
    const consolePage = await fetch(`http://127.0.0.1:${ports.api}/`);
    expect(consolePage.url).toBe(`http://127.0.0.1:${ports.api}/console/`);
    expect(await consolePage.text()).toContain('<div id="root">');
  });

  it("keeps two tenants' concurrent user lists apart while a third tenant's requests fail inside transactions", async () => {
    const token = readFileSync(join(dataDir, 'operator-token'), 'utf8').trim();
    const operator = new ApiClient(`http://127.0.0.1:${ports.api}`, token);
    const tenants = await Promise.all(
      ['tenant-a', 'tenant-b', 'tenant-c'].map(async (name) => {
        const created = await operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name });
        const api = operator.withToken(created.body.apiKey.secret);
        const instance = await runningInstance(api, `${name}-plant`);
        expect((await api.post(`/v1/instances/${instance.id}/authenticators`, { type: 'built-in-database', config: {} })).status).toBe(201);
        return { name, api, users: `/v1/instances/${instance.id}/users` };
      }),
    );
    const [a, b, c] = tenants as [(typeof tenants)[0], (typeof tenants)[0], (typeof tenants)[0]];
    for (const tenant of [a, b]) {
      for (let i = 0; i < 5; i++) expect((await tenant.api.post(tenant.users, { userId: `${tenant.name}-${i}`, password: 's3cret!' })).status).toBe(201);
    }

    let listing = true;
    const failing = (async () => {
      const statuses: number[] = [];
      // A NUL byte in the user id: the insert fails inside the request's transaction.
      for (let i = 0; listing; i++) statuses.push((await c.api.post(c.users, { userId: `bad\u0000${i}`, password: 's3cret!' })).status);
      return statuses;
    })();
    const list = async (tenant: typeof a) => {
      const wrong: string[] = [];
      for (let i = 0; i < 60; i++) {
        const response = await tenant.api.get<{ items: { userId: string }[] }>(`${tenant.users}?limit=100`);
        const ids = response.status === 200 ? response.body.items.map((user) => user.userId) : [];
        const expected = [0, 1, 2, 3, 4].map((n) => `${tenant.name}-${n}`);
        if (JSON.stringify(ids) !== JSON.stringify(expected)) wrong.push(`${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
      }
      return wrong;
    };
    const [wrongA, wrongB] = await Promise.all([list(a), list(b)]).finally(() => (listing = false));
    const failed = await failing;
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.filter((status) => status < 400)).toEqual([]);
    expect({ wrongA, wrongB }).toEqual({ wrongA: [], wrongB: [] });
  });

  it('starts a crashed app again while the others keep serving', async () => {
    const token = readFileSync(join(dataDir, 'operator-token'), 'utf8').trim();
    const operator = new ApiClient(`http://127.0.0.1:${ports.api}`, token);
    const tenant = await operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name: 'restart' });
    const api = operator.withToken(tenant.body.apiKey.secret);
    const instance = await runningInstance(api, 'plant-1');
    expect((await api.put(`/v1/instances/${instance.id}/access-policy`, { anonymous: 'allow', onBackendFailure: 'deny' })).status).toBe(200);
    // Publishing freely, as before authorization (issue 13): the restarted broker loads this policy.
    await setAuthorizationPolicy(embeddedDatabaseUrl(dataDir), instance.id, 'allow');

    const crashed = appPid(run.child.pid!, 'broker');
    expect(crashed).toBeDefined();
    process.kill(crashed!, 'SIGKILL');
    const apiStatuses: number[] = [];
    const restarted = await eventually(async () => {
      apiStatuses.push((await api.get(`/v1/instances/${instance.id}`)).status);
      const pid = appPid(run.child.pid!, 'broker');
      expect(pid).toBeDefined();
      expect(pid).not.toBe(crashed);
      expect((await fetch(`http://127.0.0.1:${ports.broker}/readyz`)).status).toBe(200);
      return pid;
    }, 30_000, 250);
    expect(run.output()).toMatch(/MQC: broker exited \(SIGKILL\); restarting it in 1 s/);
    // The API answered throughout, and the restarted node serves its instance again.
    expect(new Set(apiStatuses)).toEqual(new Set([200]));
    const subscriber = await eventually(() => connectClient(instance.endpoints!.mqtt, { clientId: 'sub' }), 30_000, 250);
    await subscriber.subscribeAsync('plant/#');
    const publisher = await connectClient(instance.endpoints!.mqtt, { clientId: 'pub' });
    const received = nextMessage(subscriber);
    await publisher.publishAsync('plant/1', 'after the restart');
    expect(await received).toEqual({ topic: 'plant/1', payload: 'after the restart' });
    await Promise.all([subscriber.endAsync(), publisher.endAsync()]);
    expect(appPid(run.child.pid!, 'broker')).toBe(restarted);
    expect(appPid(run.child.pid!, 'control-plane')).toBeDefined();
    expect(appPid(run.child.pid!, 'worker')).toBeDefined();
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const before = run.output().length;
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output().slice(before)).not.toMatch(/exited \(/);
    // The embedded server stopped with the launcher.
    expect(existsSync(join(dataDir, 'pg', 'data', 'postmaster.pid'))).toBe(false);
  });

  it('starts again on the same data directory with the data it kept', async () => {
    run = launch(environment);
    const token = readFileSync(join(dataDir, 'operator-token'), 'utf8').trim();
    const tenants = await eventually(async () => {
      const response = await new ApiClient(`http://127.0.0.1:${ports.api}`, token).get<{ items: { name: string }[] }>('/v1/ops/tenants');
      expect(response.status).toBe(200);
      return response.body;
    }, 60_000, 250);
    expect(JSON.stringify(tenants)).toContain('"restart"');
  });

  it('takes the cluster over from a launcher that was killed outright', async () => {
    // SIGKILL the launcher and its apps: its PostgreSQL server lives on, an orphan.
    const apps = ['control-plane', 'broker', 'worker'].map((app) => appPid(run.child.pid!, app)!);
    for (const pid of [run.child.pid!, ...apps]) process.kill(pid, 'SIGKILL');
    await run.exited;
    const orphan = Number(readFileSync(join(dataDir, 'pg', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(() => process.kill(orphan, 0)).not.toThrow();
    await eventually(() => expect(apps.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]), 10_000);

    run = launch(environment);
    const token = readFileSync(join(dataDir, 'operator-token'), 'utf8').trim();
    await eventually(async () => {
      const response = await new ApiClient(`http://127.0.0.1:${ports.api}`, token).get('/v1/ops/tenants');
      expect(response.status).toBe(200);
      expect(JSON.stringify(response.body)).toContain('"restart"');
    }, 45_000, 250);
    expect(existsSync(`/proc/${orphan}`)).toBe(false);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});

describe('npm start with bad configuration', () => {
  it('stops at once with a message naming the variable', async () => {
    const run = launch({ MQC_DATA_DIR: mkdtempSync(join(tmpdir(), 'mqc-start-')), MQC_BROKER_PORTS: '9000-100' });
    expect(await run.exited).toBe(78);
    expect(run.output()).toMatch(/MQC_BROKER_PORTS: ports must be 1-65535 with FIRST <= LAST/);
  });

  it('stops with one line when Redis cannot be reached', async () => {
    const run = launch({ MQC_DATA_DIR: mkdtempSync(join(tmpdir(), 'mqc-start-')), REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await run.exited).toBe(1);
    const lines = run.output().trim().split('\n');
    expect(lines.filter((l) => !l.startsWith('MQC: generated'))).toEqual([
      expect.stringMatching(/^MQC start: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(connect ECONNREFUSED 127\.0\.0\.1:1\); start it or set REDIS_URL$/),
    ]);
  });
});
