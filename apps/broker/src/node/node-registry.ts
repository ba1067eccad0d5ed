import type { DataSource } from 'typeorm';

/** How often a node tells the control plane it is alive and what it serves. */
export const HEARTBEAT_MS = 2_000;

/**
 * The node's row in `broker_nodes`: registered by name (stable across restarts, so a node
 * comes back to its instances), heartbeated with a report of each instance's clients.
 */
export class NodeRegistry {
  private timer: NodeJS.Timeout | undefined;
  /** The report the row holds (see heartbeat). */
  private written: string | undefined;
  id = '';

  constructor(
    private readonly dataSource: DataSource,
    private readonly name: string,
    /** Instance id → NodeInstanceReport, as JSON; written only when it changed (the heartbeat alone moves last_seen_at). */
    private readonly report: () => string,
    /** Work done on every heartbeat besides the report (e.g. flushing metrics). */
    private readonly onHeartbeat: () => Promise<void> = async () => undefined,
  ) {}

  async register(): Promise<string> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO broker_nodes (name, started_at, last_seen_at, instances, draining)
       VALUES ($1, now(), now(), '{}', false)
       ON CONFLICT (name) DO UPDATE SET started_at = now(), last_seen_at = now(), draining = false
       RETURNING id`,
      [this.name],
    );
    this.id = rows[0]!.id;
    this.timer = setInterval(() => void this.heartbeat().catch(() => undefined), HEARTBEAT_MS);
    this.timer.unref();
    return this.id;
  }

  async heartbeat(): Promise<void> {
    const report = this.report();
    if (report === this.written) await this.dataSource.query(`UPDATE broker_nodes SET last_seen_at = now() WHERE id = $1`, [this.id]);
    else {
      await this.dataSource.query(`UPDATE broker_nodes SET last_seen_at = now(), instances = $2 WHERE id = $1`, [this.id, report]);
      this.written = report;
    }
    await this.onHeartbeat();
  }

  /**
   * A stopping node takes no new instances. It keeps heartbeating while it hands its instances
   * over (a live node's instances are its own to move; the fail-over job moves a dead one's).
   */
  async drain(): Promise<void> {
    await this.dataSource.query(`UPDATE broker_nodes SET draining = true WHERE id = $1`, [this.id]);
  }

  /** The last word of a stopping node: no more heartbeats, nothing served. */
  async deregister(): Promise<void> {
    clearInterval(this.timer);
    this.written = undefined;
    await this.dataSource.query(`UPDATE broker_nodes SET draining = true, instances = '{}' WHERE id = $1`, [this.id]);
  }
}
