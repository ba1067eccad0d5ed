/**
 * `npm run bench`: our broker and aedes side by side, one at a time in their own processes,
 * under the same load generator and the same authentication work. Reports each broker's CPU
 * time per delivered message and per CONNACK, and latency at a fixed offered load, with the
 * ratio ours / aedes. `--quick` shortens every scenario (a smoke run); `--only=connect` runs one
 * scenario and `--modes=postgresql,scram` some of its authentication modes. Density scenarios
 * (`--only=provisioning`) run only when named.
 */
import { GENERATOR_CORE, forkBrokerServer, pinToCore, startBrokerProcess, type BrokerKind, type BrokerProcess } from './broker-process';
import { WARMUP_CONNECTS, measureConnectRate, type ConnectResult } from './scenarios/connect-rate.scenario';
import { percentile } from './stats';
import { qos0Fanout, type Qos0Result } from './scenarios/qos0-fanout.scenario';
import { qos1Latency } from './scenarios/qos1-latency.scenario';
import { persistentQos1, queueForOfflineSession, replay, type PersistentQos1Result } from './scenarios/durable-qos1.scenario';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { DurableStore } from '../../apps/broker/src/persistence/durable-store';
import { bcryptStorm, type StormResult } from './scenarios/bcrypt-storm.scenario';
import { certificateIssuance } from './scenarios/certificate-issuance.scenario';
import { failoverTime } from './scenarios/failover.scenario';
import { provisioningBurst } from './scenarios/provisioning.scenario';
import { idleDensity } from './scenarios/idle-density.scenario';
import { mtlsHandshakeRate, mtlsMaterial, startMtlsBrokerProcess } from './scenarios/mtls-handshake.scenario';
import { Client } from 'pg';
import { hashPassword } from '@mqc/auth';
import { scramConnect } from './load/scram-client';
import { idleMemory, type IdleMemoryResult } from './scenarios/idle-memory.scenario';
import { singleStream, type SingleStreamResult } from './scenarios/single-stream.scenario';
import { startMosquitto, type MosquittoProcess } from './servers/mosquitto.process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueServerCertificate } from '@mqc/pki';
import { BENCH_PG_PARAMS, BENCH_USER, credentialsFor, ensureRsaKeyPair, type AuthMode } from './servers/auth-modes';

const quick = process.argv.includes('--quick');

const CONNECT_LABELS: Record<AuthMode, string> = {
  none: 'no authentication',
  sha256: 'salted sha256, one user reconnecting',
  pbkdf2: 'pbkdf2-sha256 4096, one user reconnecting',
  bcrypt: 'bcrypt 10, one user reconnecting',
  'bcrypt-many-users': 'bcrypt 10, a different user each time',
  'jwt-hs256': 'JWT HS256',
  'jwt-rs256': 'JWT RS256',
  'device-token': 'device SharedAccessSignature token',
  postgresql: 'PostgreSQL authenticator (pooled query, salted sha256), a different user each time',
  scram: 'SCRAM-SHA-256 4096 over AUTH (aedes has no SCRAM: it checks the password with pbkdf2-sha256 4096)',
};

/**
 * The tenant's database for the `postgresql` mode, on the test PostgreSQL: one row per user,
 * all with the same salted sha256 hash (one hash to make, the same work per CONNECT).
 */
async function benchPgDatabase(usernames: string[]): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env['MQC_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `mqc_bench_${process.pid}`;
  const run = async (url: string, sql: string, values: unknown[] = []) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql, values);
    } finally {
      await client.end();
    }
  };
  await run(admin, `CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const stored = await hashPassword(BENCH_USER.password, BENCH_PG_PARAMS);
  await run(url.toString(), 'CREATE TABLE mqtt_user (username text PRIMARY KEY, password_hash text NOT NULL, salt text NOT NULL, is_superuser boolean NOT NULL DEFAULT false)');
  await run(url.toString(), 'INSERT INTO mqtt_user SELECT u, $2, $3, false FROM unnest($1::text[]) AS u', [usernames, stored.hash, stored.salt]);
  return { url: url.toString(), drop: () => run(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
/** `--modes=postgresql,scram`: only these CONNECT authentication modes. */
const onlyModes = process.argv.find((a) => a.startsWith('--modes='))?.slice('--modes='.length).split(',');
const KINDS: BrokerKind[] = ['mqc', 'aedes'];

interface Row {
  scenario: string;
  metric: string;
  better: 'lower' | 'higher';
  values: Record<BrokerKind, number>;
}

/**
 * Connect rates move with the machine's other tenants: both brokers run side by side and are
 * measured in turn, round after round, and each reports its median round.
 */
const CONNECT_ROUNDS = quick ? 1 : 5;
/** A p99 over seconds of traffic moves with the machine too; the storm is long, so fewer rounds. */
const STORM_ROUNDS = quick ? 1 : 3;

async function interleavedRounds<T>(
  auth: AuthMode,
  measure: (broker: BrokerProcess, round: number) => Promise<T>,
  options: { pinned?: boolean; rounds?: number } = {},
): Promise<Record<BrokerKind, T[]>> {
  const brokers: BrokerProcess[] = [];
  try {
    for (const kind of KINDS) brokers.push(await startBrokerProcess(kind, auth, options));
    const results = { mqc: [], aedes: [] } as Record<BrokerKind, T[]>;
    for (let round = 0; round < (options.rounds ?? CONNECT_ROUNDS); round++) {
      for (const broker of brokers) results[broker.kind].push(await measure(broker, round));
    }
    return results;
  } finally {
    await Promise.all(brokers.map((b) => b.stop()));
  }
}

/** Each broker's median round of one metric. */
function medianPerBroker<T>(results: Record<BrokerKind, T[]>, pick: (result: T) => number): Record<BrokerKind, number> {
  return Object.fromEntries(KINDS.map((kind) => [kind, percentile(results[kind].map(pick), 50)])) as Record<BrokerKind, number>;
}

async function onEach(auth: AuthMode, run: (broker: BrokerProcess) => Promise<void>, options: { pinned?: boolean } = {}): Promise<void> {
  for (const kind of KINDS) {
    const broker = await startBrokerProcess(kind, auth, options);
    try {
      await run(broker);
    } finally {
      await broker.stop();
    }
  }
}

/** The three peers of the idle-memory and single-stream scenarios: ours, aedes, mosquitto 2.0. */
const ALL_PEERS = ['mqc', 'aedes', 'mosquitto'] as const;
type PeerKind = (typeof ALL_PEERS)[number];
/** `--peers=mqc,mosquitto`: some of them. */
const onlyPeers = process.argv.find((a) => a.startsWith('--peers='))?.slice('--peers='.length).split(',');
const PEERS = ALL_PEERS.filter((k) => !onlyPeers || onlyPeers.includes(k));
const PEER_LABELS: Record<PeerKind, string> = { mqc: 'MQC', aedes: 'aedes', mosquitto: 'mosquitto' };
/**
 * `--idle=10000,18000`: the two counts of idle connections the broker is measured at (the
 * broker's file descriptors bound the second: 20,000 here); one count N means N and 1.8 N.
 */
const IDLE_COUNTS = ((): [number, number] => {
  const given = process.argv.find((a) => a.startsWith('--idle='))?.slice('--idle='.length).split(',').map(Number);
  if (given === undefined) return quick ? [1_000, 2_000] : [10_000, 18_000];
  const [first, second] = given as [number, number | undefined];
  return [first, second ?? Math.round(first * 1.8)];
})();

/** A CA and a server certificate for 127.0.0.1, written to a temporary directory (server.pem, server.key, ca.pem). */
async function tlsServerMaterial(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'mqc-bench-tls-'));
  const ca = await createCertificateAuthority({ commonName: 'Bench CA', validityDays: 2 });
  const server = await issueServerCertificate({ ca, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'server.pem'), server.certPem);
  writeFileSync(join(dir, 'server.key'), server.keyPem);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function startPeer(kind: PeerKind, tlsDir?: string): Promise<BrokerProcess | MosquittoProcess> {
  if (kind === 'mosquitto') return startMosquitto({ tlsDir });
  return forkBrokerServer(kind, `${kind}.server.js`, { BENCH_AUTH: 'none', ...(tlsDir === undefined ? {} : { BENCH_TLS_DIR: tlsDir }) });
}

/** Tables a scenario prints after the MQC / aedes one, as markdown lines (the authorization scenario's three brokers). */
const tables: string[][] = [];

/** The authorization scenario's contenders, all three measured in turn in every round. */
const AUTHZ_CONTENDERS = [
  { label: 'MQC, 20 rules (built-in-database authorizer, noMatch deny)', kind: 'mqc', authz: 'rules' },
  { label: 'aedes, the same 20 rules in authorizePublish, authorizeSubscribe, authorizeForward', kind: 'aedes', authz: 'rules' },
  { label: 'MQC, no rules (noMatch allow, no authorizer)', kind: 'mqc', authz: 'none' },
] as const;

/**
 * The QoS 0 fan-out's load, with 20 rules checked on every PUBLISH, SUBSCRIBE and delivery
 * (test/bench/servers/acl-rules.ts). Three brokers side by side, measured in turn each round;
 * a table of each one's median round and the two ratios the issue sets goals for.
 */
async function authzFanout(topics: number, title: string): Promise<void> {
  const brokers: BrokerProcess[] = [];
  const results: Qos0Result[][] = AUTHZ_CONTENDERS.map(() => []);
  try {
    for (const c of AUTHZ_CONTENDERS) brokers.push(await forkBrokerServer(c.kind, `${c.kind}.server.js`, { BENCH_AUTH: 'none', BENCH_AUTHZ: c.authz }));
    for (let round = 0; round < CONNECT_ROUNDS; round++) {
      for (const [i, broker] of brokers.entries()) {
        const r = await qos0Fanout(broker, { rate: quick ? 5_000 : 20_000, seconds: quick ? 1 : 4, subscribers: 5, topics });
        if (r.deliveredPerSecond === 0) throw new Error(`${AUTHZ_CONTENDERS[i]!.label}: nothing delivered (a rule denied the scenario's topic?)`);
        results[i]!.push(r);
      }
    }
  } finally {
    await Promise.all(brokers.map((b) => b.stop()));
  }
  type Measured = { delivered: number; cpu: number };
  const median = (i: number, pick: (r: Qos0Result) => number) => percentile(results[i]!.map(pick), 50);
  const [rules, aedes, open] = [0, 1, 2].map((i) => ({ delivered: median(i, (r) => r.deliveredPerSecond), cpu: median(i, (r) => r.cpuMicrosPerDelivery) })) as [Measured, Measured, Measured];
  const ratio = (a: Measured, b: Measured) => `| ${(a.delivered / b.delivered).toFixed(2)} | ${(a.cpu / b.cpu).toFixed(2)} |`;
  tables.push([
    `| QoS 0 fan-out (1 → 5), 20 rules on PUBLISH, SUBSCRIBE and every delivery, ${title} | deliveries/s (higher is better) | CPU µs per delivery (lower is better) |`,
    '| --- | ---: | ---: |',
    ...[rules, aedes, open].map((m, i) => `| ${AUTHZ_CONTENDERS[i]!.label} | ${format(m.delivered)} | ${format(m.cpu)} |`),
    `| MQC 20 rules / aedes 20 rules (goal: CPU ≤ 0.67) ${ratio(rules, aedes)}`,
    `| MQC 20 rules / MQC no rules (goal: CPU ≤ 1.25) ${ratio(rules, open)}`,
  ]);
}

/** Issue 14's contenders: how each broker process is started, and whether the subscriber's session is persistent. */
interface DurableContender {
  label: string;
  kind: BrokerKind;
  script: string;
  env: Record<string, string>;
  clean: boolean;
}

function durableContenders(prefix: string): DurableContender[] {
  return [
    { label: 'MQC durable (NATS JetStream), persistent session', kind: 'mqc', script: 'mqc.server.js', env: { BENCH_AUTH: 'none', BENCH_NATS_PREFIX: prefix }, clean: false },
    { label: 'aedes + aedes-persistence-redis, persistent session', kind: 'aedes', script: 'aedes-redis.server.js', env: {}, clean: false },
    { label: 'MQC in memory, clean session', kind: 'mqc', script: 'mqc.server.js', env: { BENCH_AUTH: 'none' }, clean: true },
    { label: 'MQC in memory, persistent session (no store)', kind: 'mqc', script: 'mqc.server.js', env: { BENCH_AUTH: 'none' }, clean: false },
  ];
}

/**
 * Issue 14: QoS 1 to a persistent subscriber at a fixed offered load (broker CPU per message,
 * delivery and PUBACK p99), the brokers measured in turn round after round; then the replay
 * of 10,000 queued messages to a reconnecting session, live and after the broker process was
 * SIGKILLed and started again.
 */
async function durable(): Promise<void> {
  const prefix = `mqc-bench-${randomBytes(4).toString('hex')}`;
  const contenders = durableContenders(prefix);
  const rounds = quick ? 1 : 3;
  const rate = quick ? 1_000 : 2_000;
  const seconds = quick ? 1 : 5;
  const results: PersistentQos1Result[][] = contenders.map(() => []);
  const replays: string[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [i, c] of contenders.entries()) {
        const broker = await forkBrokerServer(c.kind, c.script, c.env);
        try {
          results[i]!.push(await persistentQos1(broker, { rate, seconds, clean: c.clean }));
        } finally {
          await broker.stop();
        }
      }
    }
    const count = quick ? 2_000 : 10_000;
    for (const c of contenders.filter((x) => !x.clean)) {
      let broker = await forkBrokerServer(c.kind, c.script, c.env);
      try {
        const live = await replay(broker.port, await queueForOfflineSession(broker.port, count));
        const queued = await queueForOfflineSession(broker.port, count);
        const survives = c.env['BENCH_NATS_PREFIX'] !== undefined || c.script.startsWith('aedes-redis');
        let restarted = '—';
        if (survives) {
          await broker.stop();
          const started = performance.now();
          broker = await forkBrokerServer(c.kind, c.script, c.env);
          const startMs = performance.now() - started;
          const after = await replay(broker.port, queued);
          restarted = after.received === count ? `${format(after.messagesPerSecond)} (process start and load: ${format(startMs)} ms)` : `${after.received} of ${count} arrived`;
        }
        replays.push(`| ${c.label} | ${live.received === count ? format(live.messagesPerSecond) : `${live.received} of ${count} arrived`} | ${restarted} |`);
      } finally {
        await broker.stop();
      }
    }
  } finally {
    const store = await DurableStore.open({ natsUrl: process.env['MQC_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222', prefix, replicas: 1, name: 'bench-cleanup' }, pino({ enabled: false }));
    await store.deleteStreams();
    await store.close();
  }
  const median = (i: number, pick: (r: PersistentQos1Result) => number) => percentile(results[i]!.map(pick), 50);
  const measured = contenders.map((_, i) => ({
    cpu: median(i, (r) => r.cpuMicrosPerMessage),
    p50: median(i, (r) => r.deliveryP50Ms),
    p99: median(i, (r) => r.deliveryP99Ms),
    puback: median(i, (r) => r.pubackP99Ms),
    lost: median(i, (r) => r.sent - r.received),
  }));
  tables.push([
    `| QoS 1 at ${rate.toLocaleString('en-US')} msg/s to one subscriber, ${seconds} s, median of ${rounds} rounds | broker CPU µs per message (lower is better) | delivery p50 ms | delivery p99 ms | PUBACK p99 ms | not delivered |`,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...measured.map((m, i) => `| ${contenders[i]!.label} | ${format(m.cpu)} | ${format(m.p50)} | ${format(m.p99)} | ${format(m.puback)} | ${m.lost} |`),
    `| MQC durable / MQC in memory, clean (goal: CPU ≤ 2) | ${(measured[0]!.cpu / measured[2]!.cpu).toFixed(2)} | | ${(measured[0]!.p99 / measured[2]!.p99).toFixed(2)} | | |`,
    `| MQC durable / aedes + redis (goal: below 1) | ${(measured[0]!.cpu / measured[1]!.cpu).toFixed(2)} | | ${(measured[0]!.p99 / measured[1]!.p99).toFixed(2)} | | |`,
  ]);
  tables.push([
    `| replay of ${(quick ? 2_000 : 10_000).toLocaleString('en-US')} queued QoS 1 messages to a reconnecting persistent session | messages/s, live (higher is better; goal ≥ 5,000) | messages/s after SIGKILL and restart |`,
    '| --- | ---: | ---: |',
    ...replays,
  ]);
}

const scenarios: Record<string, (rows: Row[]) => Promise<void>> = {
  async durable() {
    await durable();
  },
  async 'qos0-fanout'(rows) {
    const values = { offered: {} as Record<BrokerKind, number>, delivered: {} as Record<BrokerKind, number>, cpu: {} as Record<BrokerKind, number> };
    await onEach('none', async (broker) => {
      const r = await qos0Fanout(broker, { rate: quick ? 5_000 : 20_000, seconds: quick ? 1 : 4, subscribers: 5 });
      values.offered[broker.kind] = r.offeredPerSecond;
      values.delivered[broker.kind] = r.deliveredPerSecond;
      values.cpu[broker.kind] = r.cpuMicrosPerDelivery;
    });
    rows.push({ scenario: 'QoS 0 fan-out (1 → 5)', metric: 'deliveries/s', better: 'higher', values: values.delivered });
    rows.push({ scenario: 'QoS 0 fan-out (1 → 5)', metric: 'CPU µs per delivery', better: 'lower', values: values.cpu });
  },
  async 'authz-qos0'() {
    await authzFanout(1, 'one topic: every check after the first answered by the decision cache');
    await authzFanout(5_000, "5,000 topics in turn (subscribers on `bench/+`): every check misses the client's 1,024-topic decision cache");
  },
  async 'qos1-latency'(rows) {
    const p50 = {} as Record<BrokerKind, number>;
    const p99 = {} as Record<BrokerKind, number>;
    await onEach('none', async (broker) => {
      const r = await qos1Latency(broker, { rate: 2_000, seconds: quick ? 1 : 5 });
      p50[broker.kind] = r.p50Ms;
      p99[broker.kind] = r.p99Ms;
    });
    rows.push({ scenario: 'QoS 1 at 2,000 msg/s', metric: 'p50 ms', better: 'lower', values: p50 });
    rows.push({ scenario: 'QoS 1 at 2,000 msg/s', metric: 'p99 ms', better: 'lower', values: p99 });
  },
  async connect(rows) {
    const modes: AuthMode[] = ['none', 'sha256', 'pbkdf2', 'bcrypt', 'bcrypt-many-users', 'jwt-hs256', 'jwt-rs256', 'device-token', 'postgresql', 'scram'];
    for (const mode of modes.filter((m) => !onlyModes || onlyModes.includes(m))) {
      const count = quick ? 50 : mode.startsWith('bcrypt') ? 100 : 5_000;
      // Every client id of every round, made before any clock starts: `w-…` warm up, `r<round>-…` are measured.
      const presented = new Map<string, { username?: string; password?: string }>();
      const ids = [...Array.from({ length: WARMUP_CONNECTS }, (_, i) => `w-${i}`), ...Array.from({ length: CONNECT_ROUNDS * count }, (_, i) => `r${Math.floor(i / count)}-${i % count}`)];
      for (const id of ids) presented.set(id, await credentialsFor(mode, id));
      const database = mode === 'postgresql' ? await benchPgDatabase([...presented.values()].map((p) => p.username ?? '')) : undefined;
      if (database) process.env['BENCH_PG_URL'] = database.url;
      // SCRAM: our broker runs the AUTH exchange; aedes, which cannot, gets the password.
      const open = (kind: BrokerKind) => (mode === 'scram' && kind === 'mqc' ? (port: number, clientId: string) => scramConnect(port, { clientId, ...BENCH_USER }) : undefined);
      try {
        const results = await interleavedRounds(mode, (broker, round) =>
          measureConnectRate(broker, { count, concurrency: 20, prefix: `r${round}`, warmUp: round === 0, credentials: (clientId) => presented.get(clientId)!, open: open(broker.kind) }),
        );
        for (const kind of KINDS) {
          const refused = results[kind].reduce((sum, r) => sum + r.refused, 0);
          if (refused > 0) throw new Error(`${kind} refused ${refused} ${mode} clients`);
        }
        const median = (pick: (r: ConnectResult) => number) => medianPerBroker(results, pick);
        rows.push({ scenario: `CONNECT, ${CONNECT_LABELS[mode]}`, metric: 'CONNACKs/s', better: 'higher', values: median((r) => r.connacksPerSecond) });
        rows.push({ scenario: `CONNECT, ${CONNECT_LABELS[mode]}`, metric: 'CPU µs per CONNACK', better: 'lower', values: median((r) => r.cpuMicrosPerConnack) });
        rows.push({ scenario: `CONNECT, ${CONNECT_LABELS[mode]}`, metric: 'load generator CPU µs per CONNACK', better: 'lower', values: median((r) => r.generatorCpuMicrosPerConnack) });
      } finally {
        await database?.drop();
      }
    }
  },
  async 'bcrypt-storm'(rows) {
    // Nothing pinned: the storm is about the broker leaving a core for the traffic while slow
    // hashes run, with the scheduler free to place every thread, the generator's included.
    pinToCore(process.pid, 'all');
    const results = await interleavedRounds(
      'bcrypt',
      (broker, round) => bcryptStorm(broker, { clients: quick ? 40 : 200, seconds: quick ? 1 : 8, round }),
      { pinned: false, rounds: STORM_ROUNDS },
    );
    pinToCore(process.pid, GENERATOR_CORE);
    const median = (pick: (r: StormResult) => number) => medianPerBroker(results, pick);
    rows.push({ scenario: 'QoS 0 at 500 msg/s, idle', metric: 'p99 ms', better: 'lower', values: median((r) => r.idleP99Ms) });
    rows.push({ scenario: 'QoS 0 at 500 msg/s, during 200 bcrypt CONNECTs', metric: 'p99 ms', better: 'lower', values: median((r) => r.stormP99Ms) });
    rows.push({ scenario: 'QoS 0 at 500 msg/s, during 200 bcrypt CONNECTs', metric: 'p99 storm / p99 idle', better: 'lower', values: median((r) => r.stormP99Ms / r.idleP99Ms) });
  },
  async mtls(rows) {
    const count = quick ? 100 : 1_000;
    const material = await mtlsMaterial(count);
    const rate = {} as Record<BrokerKind, number>;
    const cpu = {} as Record<BrokerKind, number>;
    try {
      for (const kind of KINDS) {
        const broker = await startMtlsBrokerProcess(kind, material);
        try {
          const r = await mtlsHandshakeRate(broker, material, { count, concurrency: 20 });
          if (r.refused > 0) throw new Error(`${kind} refused ${r.refused} mTLS clients`);
          rate[kind] = r.connacksPerSecond;
          cpu[kind] = r.cpuMicrosPerConnack;
        } finally {
          await broker.stop();
        }
      }
    } finally {
      material.remove();
    }
    rows.push({ scenario: 'CONNECT over mutual TLS (full handshake, EC P-256 client certificate, CN = client id)', metric: 'CONNACKs/s', better: 'higher', values: rate });
    rows.push({ scenario: 'CONNECT over mutual TLS (full handshake, EC P-256 client certificate, CN = client id)', metric: 'CPU µs per CONNACK', better: 'lower', values: cpu });
  },
  async 'idle-memory'() {
    const material = await tlsServerMaterial();
    type Figures = Record<'plain' | 'tls', Record<PeerKind, IdleMemoryResult>>;
    const results: Figures = { plain: {} as Record<PeerKind, IdleMemoryResult>, tls: {} as Record<PeerKind, IdleMemoryResult> };
    try {
      for (const kind of PEERS) {
        for (const transport of ['plain', 'tls'] as const) {
          // A fresh broker per transport: each baseline is a broker that has served nothing else.
          const peer = await startPeer(kind, material.dir);
          try {
            const r = await idleMemory(peer, { counts: IDLE_COUNTS, tls: transport === 'tls' });
            results[transport][kind] = r;
            const mib = r.rssBytes.map((b) => Math.round(b / 1048576)).join(' → ');
            process.stderr.write(`bench: ${kind} ${transport}: KB per idle connection at ${IDLE_COUNTS[0]} ${kb(r.atFirst.rss)} (less young generation ${kb(r.atFirst.rssLessYoung)}), at ${IDLE_COUNTS[1]} ${kb(r.atSecond.rss)} (${kb(r.atSecond.rssLessYoung)}), marginal ${kb(r.marginal.rss)} (${kb(r.marginal.rssLessYoung)}); RSS ${mib} MiB\n`);
          } finally {
            await peer.stop();
          }
        }
      }
    } finally {
      material.remove();
    }
    const goal = { plain: 4, tls: 20 };
    const [first, second] = IDLE_COUNTS.map((n) => n.toLocaleString('en-US'));
    const label = (t: 'plain' | 'tls') => (t === 'plain' ? 'plain TCP' : 'TLS');
    const row = (text: string, t: 'plain' | 'tls', pick: (r: IdleMemoryResult) => number, withGoal: boolean) =>
      `| ${text}, ${label(t)} | ${PEERS.map((k) => format(pick(results[t][k]) / 1024)).join(' | ')} | ${withGoal ? `≤ ${goal[t]}` : ''} |`;
    tables.push([
      `| idle connections (MQTT 3.1.1, keep alive 600 s), KB per connection (lower is better) | ${PEERS.map((k) => PEER_LABELS[k]).join(' | ')} | MQC goal |`,
      `| --- | ${PEERS.map(() => '---: | ').join('')}---: |`,
      ...(['plain', 'tls'] as const).flatMap((t) => [
        row(`RSS at ${first}, (after − before) / ${first} (the earlier figure)`, t, (r) => r.atFirst.rss, true),
        row(`RSS at ${second}`, t, (r) => r.atSecond.rss, false),
        row(`RSS less V8's young generation at ${first}`, t, (r) => r.atFirst.rssLessYoung, true),
        row(`RSS less V8's young generation at ${second}`, t, (r) => r.atSecond.rssLessYoung, true),
        row(`RSS less V8's young generation, marginal ${first} → ${second}`, t, (r) => r.marginal.rssLessYoung, true),
        row(`JS heap in use at ${first}`, t, (r) => r.atFirst.heap, false),
        row(`JS heap in use, marginal ${first} → ${second}`, t, (r) => r.marginal.heap, false),
      ]),
    ]);
  },
  async 'single-stream'() {
    const results = new Map<string, SingleStreamResult[]>();
    const peers: Array<{ kind: PeerKind; peer: BrokerProcess | MosquittoProcess }> = [];
    const settings = [
      { qos: 0 as const, rate: quick ? 2_000 : 10_000 },
      { qos: 1 as const, rate: quick ? 2_000 : 10_000 },
    ];
    try {
      for (const kind of PEERS) peers.push({ kind, peer: await startPeer(kind) });
      for (let round = 0; round < (quick ? 1 : 3); round++) {
        for (const setting of settings) {
          for (const { kind, peer } of peers) {
            const r = await singleStream(peer, { ...setting, seconds: quick ? 1 : 5 });
            const key = `${setting.qos}/${kind}`;
            results.set(key, [...(results.get(key) ?? []), r]);
          }
        }
      }
    } finally {
      await Promise.all(peers.map(({ peer }) => peer.stop()));
    }
    const median = (qos: number, kind: PeerKind, pick: (r: SingleStreamResult) => number) => percentile((results.get(`${qos}/${kind}`) ?? []).map(pick), 50);
    const row = (qos: number, rate: number, metric: string, pick: (r: SingleStreamResult) => number) =>
      `| QoS ${qos} at ${rate.toLocaleString('en-US')} msg/s | ${metric} | ${PEERS.map((k) => format(median(qos, k, pick))).join(' | ')} | ${(median(qos, 'mqc', pick) / median(qos, 'mosquitto', pick)).toFixed(2)} |`;
    tables.push([
      `| single stream (1 publisher → 1 subscriber, one topic, 64-byte payload) | metric | ${PEERS.map((k) => PEER_LABELS[k]).join(' | ')} | MQC / mosquitto (goal: CPU ≤ 1.25) |`,
      `| --- | --- | ${PEERS.map(() => '---: | ').join('')}---: |`,
      ...settings.flatMap(({ qos, rate }) => [
        row(qos, rate, 'deliveries/s (higher is better)', (r) => r.deliveredPerSecond),
        row(qos, rate, 'broker CPU µs per message (lower is better)', (r) => r.cpuMicrosPerMessage),
        row(qos, rate, 'p99 ms (lower is better)', (r) => r.p99Ms),
      ]),
    ]);
  },
  async certificates(rows) {
    // The worker has no aedes counterpart: one process of ours, the real job against PostgreSQL.
    const results = await certificateIssuance(quick ? { generatedEc: 200, fromCsrs: 200, generatedRsa: 20 } : { generatedEc: 2_000, fromCsrs: 2_000, generatedRsa: 200 });
    for (const r of results) {
      rows.push({ scenario: `device certificates issued by one worker process, ${r.label} (${r.certificates})`, metric: 'certificates/s', better: 'higher', values: { mqc: r.perSecond, aedes: Number.NaN } });
    }
  },
  async failover() {
    // Issue 14; no aedes counterpart (a single process): ours alone, in a table of its own.
    const r = await failoverTime(quick ? 1 : 5);
    tables.push([
      '| fail-over: SIGKILL of the node serving an instance → first CONNACK from another node (2 nodes, heartbeat 2 s, dead after 6 s) | seconds |',
      '| --- | ---: |',
      `| median of ${r.rounds.length} | ${r.medianSeconds.toFixed(2)} |`,
      `| each round | ${r.rounds.map((s) => s.toFixed(2)).join(', ')} |`,
    ]);
  },
};

/**
 * Density, not a race with aedes: `--only=provisioning` creates `--instances=N` (1,000; 100
 * with --quick) at once on a one-node deployment and reports the time to the last RUNNING.
 */
const density: Record<string, () => Promise<void>> = {
  async provisioning() {
    const count = Number(process.argv.find((a) => a.startsWith('--instances='))?.slice('--instances='.length) ?? (quick ? 100 : 1_000));
    const firstPort = Number(process.env['MQC_BENCH_FIRST_PORT'] ?? 10_000);
    const r = await provisioningBurst({ instances: count, firstPort });
    tables.push([
      '| provisioning, one node | value |',
      '| --- | ---: |',
      `| instances created at once | ${r.instances} |`,
      `| seconds to the last RUNNING | ${r.secondsToLastRunning.toFixed(1)} |`,
      `| instances RUNNING per second | ${(r.instances / r.secondsToLastRunning).toFixed(1)} |`,
      `| CPU seconds of the deployment's process (control plane, worker, broker) | ${r.cpuSeconds.toFixed(1)} |`,
      `| CPU ms per instance | ${((r.cpuSeconds * 1000) / r.instances).toFixed(1)} |`,
      `| PostgreSQL transactions per instance | ${r.transactionsPerInstance.toFixed(1)} |`,
      `| FAILED | ${r.failed} |`,
      `| RUNNING instances sampled that answered a CONNECT on their own port | ${r.sample.answered} of ${r.sample.tried} |`,
      `| one instance's two keys, EC P-256 (ms) | ${r.keysMs.ec.toFixed(2)} |`,
      `| one instance's two keys, RSA 2048, as before (ms) | ${r.keysMs.rsa.toFixed(1)} |`,
    ]);
  },
  async 'idle-density'() {
    const count = Number(process.argv.find((a) => a.startsWith('--instances='))?.slice('--instances='.length) ?? (quick ? 100 : 1_000));
    const firstPort = Number(process.env['MQC_BENCH_FIRST_PORT'] ?? 10_000);
    const r = await idleDensity({ instances: count, firstPort, seconds: quick ? 10 : 30, dedicatedPorts: process.argv.includes('--dedicated-ports') });
    const row = (s: typeof r.empty) => `| ${s.instances} | ${Math.round(s.rssKb).toLocaleString('en-US')} | ${s.cpuPercent.toFixed(2)} | ${s.pgTransactionsPerSecond.toFixed(2)} |`;
    tables.push([
      '| idle instances on one broker node | broker RSS (KB) | broker CPU (% of a core) | PostgreSQL transactions/s (whole deployment) |',
      '| ---: | ---: | ---: | ---: |',
      row(r.empty),
      row(r.loaded),
      `| per instance | ${((r.loaded.rssKb - r.empty.rssKb) / Math.max(1, r.loaded.instances)).toFixed(1)} | | |`,
      '',
      `| ${r.sharedOnly ? 'shared TLS endpoint only (basic, no ports of its own)' : 'dedicated ports (three per instance)'} | value |`,
      '| --- | ---: |',
      `| seconds to the last RUNNING | ${r.secondsToLastRunning.toFixed(1)} |`,
      `| one instance's access-policy change → first CONNECT admitted under it (ms) | ${r.changeLiveMs.toFixed(0)} |`,
    ]);
  },
};

/** Bytes as KB with two decimals (a log line). */
function kb(bytes: number): string {
  return (bytes / 1024).toFixed(2);
}

function format(value: number): string {
  if (Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return String(value);
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

async function main(): Promise<void> {
  ensureRsaKeyPair();
  if (pinToCore(process.pid, GENERATOR_CORE)) process.stderr.write(`bench: brokers on core 0, load generator on core ${GENERATOR_CORE}\n`);
  else process.stderr.write('bench: one core: brokers and load generator share it\n');
  const rows: Row[] = [];
  for (const [name, scenario] of Object.entries(scenarios)) {
    if (only && !only.split(',').includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    await scenario(rows);
  }
  // Density scenarios run only when named (they start a whole deployment).
  for (const [name, scenario] of Object.entries(density)) {
    if (!only?.split(',').includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    await scenario();
  }
  const lines = [
    '| scenario | metric | MQC | aedes | MQC / aedes |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.scenario} | ${r.metric} (${r.better} is better) | ${format(r.values.mqc)} | ${format(r.values.aedes)} | ${Number.isNaN(r.values.aedes) ? '—' : (r.values.mqc / r.values.aedes).toFixed(2)} |`),
  ];
  const printed = [...(rows.length > 0 ? [lines] : []), ...tables];
  process.stdout.write(`${printed.map((table) => table.join('\n')).join('\n\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
