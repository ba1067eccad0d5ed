import { maskSecrets, parseConfigSecrets, serializeConfigSecrets, type ConfigSecret } from '@mqc/auth';
import type { SecretBox } from '@mqc/domain';
import { randomUUID } from 'node:crypto';
import type { DataSource, DeepPartial, EntityManager, EntityTarget } from 'typeorm';
import { noChainMetrics, readChainMetrics, type ChainMetricsTable, type ChainMetricsView } from './chain-metrics';
import { ValidationError } from './domain-errors';

/** The columns an authentication or authorization chain link shares (`authenticators`, `authorizers`). */
export interface ChainRow {
  id: string;
  instanceId: string;
  type: string;
  config: Record<string, unknown>;
  secretsSealed: string | null;
  enabled: boolean;
  position: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A link as the API shows it: secrets masked, its metrics beside it. */
export interface ChainRowView<T extends string, M> {
  id: string;
  type: T;
  /** Secrets show as SECRET_MASK; sending the mask back keeps them. */
  config: Record<string, unknown>;
  enabled: boolean;
  position: number;
  metrics: M;
  createdAt: Date;
  updatedAt: Date;
}

/** A validated config: the stored part and the secrets to seal apart from it. */
export interface PreparedChainConfig {
  config: Record<string, unknown>;
  secrets: ConfigSecret[];
}

/** Seals and opens the secret fields of a chain's links, each under its own context. */
export class ChainSecrets {
  constructor(
    private readonly box: SecretBox,
    private readonly context: (id: string) => string,
  ) {}

  open(row: ChainRow): ConfigSecret[] {
    return row.secretsSealed ? parseConfigSecrets(this.box.openText(row.secretsSealed, this.context(row.id))) : [];
  }

  seal(id: string, secrets: ConfigSecret[]): string | null {
    return secrets.length > 0 ? this.box.seal(serializeConfigSecrets(secrets), this.context(id)) : null;
  }

  /** Puts a new config on a row, sealing its secrets. */
  applyConfig(row: ChainRow, prepared: PreparedChainConfig): void {
    row.config = prepared.config;
    row.secretsSealed = this.seal(row.id, prepared.secrets);
  }

  /** The API view of rows, secrets masked, with the metrics found for each (`none` otherwise). */
  views<T extends string, M>(rows: ChainRow[], metrics: Map<string, M>, none: M): ChainRowView<T, M>[] {
    return rows.map((a) => ({
      id: a.id,
      type: a.type as T,
      config: maskSecrets(a.config, this.open(a)),
      enabled: a.enabled,
      position: a.position,
      metrics: metrics.get(a.id) ?? none,
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
    }));
  }
}

/** The API views of one chain's links: secrets masked, each with its counters summed over the broker nodes. */
export class ChainViews<T extends string, C extends string> {
  private readonly noMetrics: ChainMetricsView<C>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: ChainSecrets,
    private readonly metrics: ChainMetricsTable<C>,
  ) {
    this.noMetrics = noChainMetrics(metrics);
  }

  async of(rows: ChainRow[]): Promise<ChainRowView<T, ChainMetricsView<C>>[]> {
    const found = await readChainMetrics(this.dataSource, this.metrics, rows.map((r) => r.id));
    return this.secrets.views(rows, found, this.noMetrics);
  }

  async one(row: ChainRow): Promise<ChainRowView<T, ChainMetricsView<C>>> {
    return onlyView(await this.of([row]));
  }
}

/** The one view of a one-row list. */
export function onlyView<V>(views: V[]): V {
  const [view] = views;
  if (!view) throw new Error('unreachable');
  return view;
}

/** A reorder must name each existing id once and nothing else: 422 on `ids` otherwise. */
export function assertSamePermutation(existing: readonly string[], wanted: readonly string[], message: string): void {
  const known = new Set(existing);
  if (wanted.length !== existing.length || new Set(wanted).size !== wanted.length || wanted.some((id) => !known.has(id))) {
    throw new ValidationError([{ field: 'ids', message }]);
  }
}

/**
 * Gives the rows of an ordered list the positions `ids` names (every row once, ids in any case),
 * saves them and returns them in their new order with the ids as stored.
 */
export async function reorderRows<R extends { id: string; position: number }>(
  manager: EntityManager,
  rows: R[],
  ids: string[],
  message: string,
): Promise<{ rows: R[]; wanted: string[] }> {
  const wanted = ids.map((id) => id.toLowerCase());
  assertSamePermutation(rows.map((r) => r.id), wanted, message);
  for (const row of rows) row.position = wanted.indexOf(row.id);
  await manager.save(rows);
  return { rows: rows.sort((a, b) => a.position - b.position), wanted };
}

/** Deletes one link and closes the gap it leaves in the positions of its instance's chain. */
export async function deleteChainRow(manager: EntityManager, entity: EntityTarget<ChainRow>, table: 'authenticators' | 'authorizers', row: ChainRow): Promise<void> {
  await manager.delete(entity, { id: row.id });
  await manager.query(`UPDATE ${table} SET position = position - 1 WHERE instance_id = $1 AND position > $2`, [row.instanceId, row.position]);
}

/** Saves a new link at `position`, its secrets sealed under its new id. */
export async function appendChainRow<R extends ChainRow>(
  manager: EntityManager,
  entity: EntityTarget<R>,
  secrets: ChainSecrets,
  link: { instanceId: string; type: R['type']; enabled: boolean; position: number },
  prepared: PreparedChainConfig,
): Promise<R> {
  const id = randomUUID();
  const row = { id, ...link, config: prepared.config, secretsSealed: secrets.seal(id, prepared.secrets) } as DeepPartial<R>;
  return manager.save(manager.create(entity, row));
}

/** Saves a link with a new config (secrets sealed) and/or enabled flag; what is undefined stays. */
export async function changeChainRow<R extends ChainRow>(manager: EntityManager, secrets: ChainSecrets, row: R, prepared: PreparedChainConfig | undefined, enabled: boolean | undefined): Promise<R> {
  if (prepared) secrets.applyConfig(row, prepared);
  if (enabled !== undefined) row.enabled = enabled;
  return manager.save(row);
}
