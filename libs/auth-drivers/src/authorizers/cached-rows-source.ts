import { type AsyncAuthorizationSource, type AuthorizationRequest, authorizationClientOf, type AuthorizerType, type CompiledRules, compileRules, type ConnectCredentials, type DatabaseAcl, evaluateRules, type SourceResult } from '@mqc/auth';
import type { ExternalDatabaseOptions } from '../external/guarded-socket';

/** What a database authorizer takes besides its configuration. */
export interface DatabaseAuthorizerOptions extends ExternalDatabaseOptions {
  /** The clock of the rows' cache (tests); Date.now by default. */
  now?: () => number;
}

/**
 * A postgresql, mysql or redis authorizer of one instance on one node: the pool, and one
 * source per connected client (the query depends on the client, not on the topic).
 */
export interface DatabaseAuthorizer {
  readonly id: string;
  readonly type: Extract<AuthorizerType, 'postgresql' | 'mysql' | 'redis'>;
  /** The client's source for its authorization chain: keeps its rows for `cacheTtlSeconds`. */
  sourceFor(credentials: ConnectCredentials): AsyncAuthorizationSource;
  close(): Promise<void>;
}

/** Reads one client's rows; throws on a backend failure (an error names the server, never a password). */
export type AclReader = (credentials: ConnectCredentials) => Promise<DatabaseAcl>;

/**
 * One client's database rules: read once per `ttlMs` (concurrent checks share one read),
 * compiled with the engine, then every topic matched in memory. A failed read or an unreadable
 * row is an `error` result (the chain fails closed) and is not kept: the next check reads again.
 */
export function cachedRowsSource(authorizer: Pick<DatabaseAuthorizer, 'id' | 'type'>, credentials: ConnectCredentials, read: AclReader, ttlMs: number, now: () => number): AsyncAuthorizationSource {
  const client = authorizationClientOf(credentials);
  let compiled: CompiledRules | undefined;
  let readAt = 0;
  let reading: Promise<CompiledRules | SourceResult> | undefined;

  async function refresh(): Promise<CompiledRules | SourceResult> {
    const started = now();
    let acl: DatabaseAcl;
    try {
      acl = await read(credentials);
    } catch (error) {
      return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
    }
    if (acl.kind === 'unreadable') return { kind: 'error', message: `unreadable rule: ${acl.reason}` };
    compiled = compileRules(acl.rules, client);
    readAt = started;
    return compiled;
  }

  return {
    id: authorizer.id,
    type: authorizer.type,
    sync: false,
    async check(request: AuthorizationRequest): Promise<SourceResult> {
      if (compiled !== undefined && now() - readAt < ttlMs) return evaluateRules(compiled, request);
      reading ??= refresh().finally(() => {
        reading = undefined;
      });
      const rules = await reading;
      return 'rules' in rules ? evaluateRules(rules, request) : rules;
    },
  };
}
