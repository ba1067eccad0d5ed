import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HEAP_PROBE_MESSAGE, type HeapFigures } from './heap-probe';

/** What the broker process said that no healthy broker says: error-level log lines, stack traces, warnings. */
export interface BrokerTrouble {
  /** Log lines at error or fatal level, and anything on stderr (Node prints uncaught errors and warnings there). */
  errorLines: string[];
  /** Lines naming an uncaught exception or an unhandled rejection, wherever they appeared. */
  unhandledLines: string[];
  warnLines: number;
}

export interface RssFigures {
  startBytes: number;
  maxBytes: number;
  endBytes: number;
}

/** What an instance holds, from the broker's `mqc_broker_instance_usage` gauge (by its `what` label). */
export type InstanceUsage = Record<string, number>;

/** pino's levels: 40 warn, 50 error, 60 fatal. */
const WARN = 40;
const ERROR = 50;
const UNHANDLED = /uncaught|unhandled/i;
const KEPT_LINES = 20;
const HEAP_PROBE_TIMEOUT_MS = 60_000;

/** A free TCP port on loopback, for the broker's admin server (its configuration wants a number). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process, from /proc (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/**
 * The built broker app (`dist/apps/broker/src/main.js`) in its own process, as `npm start`
 * runs it, watched: its output read line by line, its resident memory sampled, its admin
 * `/healthz` asked, its exit noticed.
 */
export class BrokerWatch {
  readonly trouble: BrokerTrouble = { errorLines: [], unhandledLines: [], warnLines: 0 };
  private errorTotal = 0;
  private unhandledTotal = 0;
  readonly rss: RssFigures = { startBytes: 0, maxBytes: 0, endBytes: 0 };
  healthFailures = 0;
  healthChecks = 0;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private sampler: NodeJS.Timeout | undefined;
  private stopping = false;
  private heapWaiters: ((figures: HeapFigures) => void)[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly adminPort: number,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.stopping) this.exit = { code, signal };
        resolve();
      }),
    );
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLogLine(line));
    createInterface({ input: child.stderr! }).on('line', (line) => this.onStderrLine(line));
  }

  static async start(distRoot: string, env: Record<string, string>): Promise<BrokerWatch> {
    const adminPort = await freePort();
    const heapProbe = join(distRoot, 'test', 'fuzz', 'heap-probe.js');
    const child = spawn(process.execPath, ['--expose-gc', '-r', heapProbe, '-r', 'tsconfig-paths/register', join(distRoot, 'apps', 'broker', 'src', 'main.js')], {
      env: { ...process.env, ...env, TS_NODE_BASEURL: distRoot, MQC_BROKER_ADMIN_PORT: String(adminPort), MQC_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const watch = new BrokerWatch(child, adminPort);
    const deadline = Date.now() + 60_000;
    while (!(await watch.ready())) {
      const problem = watch.exit ? `the broker exited at start (${watch.exit.signal ?? watch.exit.code})` : Date.now() > deadline ? 'the broker was not ready within 60 s' : undefined;
      if (problem !== undefined) {
        await watch.stop();
        throw new Error(`${problem}: ${watch.trouble.errorLines.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    watch.rss.startBytes = watch.rss.maxBytes = watch.rss.endBytes = rssOf(child.pid!);
    return watch;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get errorLineCount(): number {
    return this.errorTotal;
  }

  get unhandledCount(): number {
    return this.unhandledTotal;
  }

  get alive(): boolean {
    return this.exit === undefined && this.child.exitCode === null;
  }

  private async ready(): Promise<boolean> {
    return (await this.get('/readyz')) === 200;
  }

  private async get(path: string): Promise<number | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.adminPort}${path}`, { signal: AbortSignal.timeout(10_000) });
      await response.body?.cancel();
      return response.status;
    } catch {
      return undefined;
    }
  }

  /** What the instance holds now (sessions, queued and retained messages, subscriptions), from `/metrics`; undefined once the node no longer serves it. */
  async instanceUsage(instanceId: string): Promise<InstanceUsage | undefined> {
    const response = await fetch(`http://127.0.0.1:${this.adminPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    const usage: InstanceUsage = {};
    const line = /^mqc_broker_instance_usage\{([^}]*)\} (\S+)$/gm;
    for (const [, labels, value] of text.matchAll(line)) {
      if (!labels.includes(`instance="${instanceId}"`)) continue;
      const what = /what="([^"]+)"/.exec(labels)?.[1];
      if (what !== undefined) usage[what] = Number(value);
    }
    return Object.keys(usage).length === 0 ? undefined : usage;
  }

  /** Has the broker run a full garbage collection and tell its heap and resident memory (see heap-probe.ts). */
  heapAfterGc(): Promise<HeapFigures> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the broker did not report its heap within ${HEAP_PROBE_TIMEOUT_MS / 1000} s`)), HEAP_PROBE_TIMEOUT_MS);
      this.heapWaiters.push((figures) => {
        clearTimeout(timer);
        resolve(figures);
      });
      this.child.kill('SIGUSR2');
    });
  }

  /** Asks `/healthz` once; counts a failure unless it answers 200. */
  async checkHealth(): Promise<boolean> {
    this.healthChecks++;
    const healthy = (await this.get('/healthz')) === 200;
    if (!healthy) this.healthFailures++;
    return healthy;
  }

  /** Samples the resident memory and asks `/healthz` every `everyMs` until `stop()`. */
  startSampling(everyMs: number): void {
    this.sampler = setInterval(() => {
      this.sampleRss();
      void this.checkHealth();
    }, everyMs);
  }

  sampleRss(): void {
    if (!this.alive) return;
    try {
      const bytes = rssOf(this.pid);
      this.rss.endBytes = bytes;
      this.rss.maxBytes = Math.max(this.rss.maxBytes, bytes);
    } catch {
      // The process went away between the check and the read: its exit is what gets reported.
    }
  }

  private onLogLine(line: string): void {
    if (UNHANDLED.test(line)) this.keep(this.trouble.unhandledLines, line, () => this.unhandledTotal++);
    let level: number | undefined;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string } & HeapFigures;
      level = entry.level;
      if (entry.msg === HEAP_PROBE_MESSAGE) {
        const { heapUsedBytes, externalBytes, rssBytes } = entry;
        for (const waiter of this.heapWaiters.splice(0)) waiter({ heapUsedBytes, externalBytes, rssBytes });
      }
    } catch {
      level = undefined;
    }
    // Anything that is not a structured log line on stdout is as suspicious as stderr.
    if (level === undefined || level >= ERROR) this.keep(this.trouble.errorLines, line, () => this.errorTotal++);
    else if (level >= WARN) this.trouble.warnLines++;
  }

  private onStderrLine(line: string): void {
    if (UNHANDLED.test(line)) this.keep(this.trouble.unhandledLines, line, () => this.unhandledTotal++);
    this.keep(this.trouble.errorLines, line, () => this.errorTotal++);
  }

  private keep(lines: string[], line: string, count: () => void): void {
    count();
    if (lines.length < KEPT_LINES) lines.push(line.length > 2_000 ? `${line.slice(0, 2_000)}…` : line);
  }

  async stop(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(killer);
  }
}
