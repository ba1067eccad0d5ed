import type { DataSource } from 'typeorm';
import { PermanentJobError } from './job-context';

interface Waiter {
  deadline: number;
  what: string;
  resolve(): void;
  reject(error: Error): void;
}

interface ServingRow {
  id: string;
  serving: boolean;
  failed: boolean;
  reason: string | null;
}

/**
 * Waits for broker nodes to serve instances: one query every `intervalMs` answers every
 * provisioning job of the worker at once (a thousand instances provisioned together cost ten
 * queries a second, not a full row per job per poll). A node that could not open the
 * listeners fails the wait at once with its reason (PermanentJobError).
 */
export class ServingWatch {
  private readonly waiting = new Map<string, Waiter[]>();
  private polling = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly intervalMs = 100,
  ) {}

  /** Resolves once the instance's node serves it (`serving_at` set); rejects after `timeoutMs`. */
  serving(instanceId: string, what: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiters = this.waiting.get(instanceId) ?? [];
      waiters.push({ deadline: Date.now() + timeoutMs, what, resolve, reject });
      this.waiting.set(instanceId, waiters);
      if (!this.polling) void this.poll();
    });
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      while (this.waiting.size > 0) {
        await this.check().catch((error: unknown) => this.failAll(error instanceof Error ? error : new Error(String(error))));
        if (this.waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
      }
    } finally {
      this.polling = false;
    }
  }

  private async check(): Promise<void> {
    const ids = [...this.waiting.keys()];
    const rows: ServingRow[] = await this.dataSource.query(
      `SELECT id, serving_at IS NOT NULL AS serving, listeners_failed AS failed, status_reason AS reason FROM instances WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    for (const row of rows) {
      if (row.failed) this.settle(row.id, new PermanentJobError(row.reason ?? 'the broker node could not open the listeners'));
      else if (row.serving) this.settle(row.id);
    }
    const now = Date.now();
    for (const [id, waiters] of this.waiting) {
      const late = waiters.filter((w) => w.deadline < now);
      if (late.length === 0) continue;
      for (const w of late) w.reject(new Error(`timed out waiting for ${w.what}`));
      const left = waiters.filter((w) => w.deadline >= now);
      if (left.length > 0) this.waiting.set(id, left);
      else this.waiting.delete(id);
    }
  }

  private settle(instanceId: string, error?: Error): void {
    for (const waiter of this.waiting.get(instanceId) ?? []) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
    this.waiting.delete(instanceId);
  }

  /** A failed query (the database away) fails this round's waits; their jobs are retried. */
  private failAll(error: Error): void {
    for (const waiters of this.waiting.values()) for (const w of waiters) w.reject(error);
    this.waiting.clear();
  }
}
