import type { ConnectionOptions } from 'node:tls';
import { parseServiceUrl } from '../outbound/service-url';

/**
 * Tenant database URLs are read here, not by the drivers: a driver's URL parser honours
 * query parameters such as `host=` (a second host the guard never saw), `socketPath=` or
 * `sslrootcert=/path` (a file of the broker's disk), which a tenant must not control. Only
 * the parameters below are understood; any other is refused when the configuration is saved.
 */
export const DATABASE_URL_PARAMETERS = {
  postgresql: { sslmode: ['disable', 'require', 'verify-ca', 'verify-full'] },
  mysql: { ssl: ['false', 'true', 'skip-verify'] },
  /** TLS is the `rediss://` scheme; the path is the database number. */
  redis: {},
  /**
   * The driver reads many more (`tlsCAFile=/path`, `authMechanism=MONGODB-AWS` with the
   * broker's credentials, `proxyHost=`…); only these reach it. The path is the auth database.
   */
  mongodb: { tls: ['true', 'false'], authMechanism: ['SCRAM-SHA-1', 'SCRAM-SHA-256'] },
} as const;

export type DatabaseDialect = keyof typeof DATABASE_URL_PARAMETERS;

/** Where and how to connect, from a tenant URL. */
export interface DatabaseTarget {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database?: string;
  /** undefined: plain TCP. */
  tls?: ConnectionOptions;
}

const DEFAULT_PORTS: Record<DatabaseDialect, number> = { postgresql: 5432, mysql: 3306, redis: 6379, mongodb: 27017 };

function decode(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function queryOf(rest: string): URLSearchParams {
  const query = /\?([^#]*)/s.exec(rest)?.[1] ?? '';
  return new URLSearchParams(query);
}

/** Why a database URL cannot be used, or undefined (configuration-time validation). */
export function databaseUrlProblem(url: string, dialect: DatabaseDialect): string | undefined {
  const parsed = parseServiceUrl(url);
  if (!parsed) return undefined; // the URL schema reports it
  const allowed: Record<string, readonly string[]> = DATABASE_URL_PARAMETERS[dialect];
  for (const [name, value] of queryOf(parsed.rest)) {
    const values = allowed[name];
    if (!values) {
      const supported = Object.keys(allowed);
      return `the URL parameter ${name} is not supported${supported.length > 0 ? `; supported: ${supported.join(', ')}` : ''}`;
    }
    if (!values.includes(value)) return `${name} must be one of ${values.join(', ')}`;
  }
  const path = parsed.rest.replace(/[?#].*$/s, '');
  if (path.split('/').filter(Boolean).length > 1) return 'the URL path names the database: /name';
  if (dialect === 'redis' && !/^(\/(\d{1,2})?)?$/.test(path)) return 'the URL path is the Redis database number: /0';
  return undefined;
}

/**
 * The connection a URL describes. The configuration's separate `password` applies when the
 * URL carries none. Throws on a URL the configuration schema would have refused.
 */
export function databaseTarget(url: string, dialect: DatabaseDialect, password?: string): DatabaseTarget {
  const parsed = parseServiceUrl(url);
  const host = parsed?.hosts[0];
  if (!parsed || !host) throw new Error('unreadable database URL');
  const problem = databaseUrlProblem(url, dialect);
  if (problem) throw new Error(problem);
  const query = queryOf(parsed.rest);
  const database = decode(parsed.rest.replace(/[?#].*$/s, '').replace(/^\//, ''));
  const target: DatabaseTarget = {
    host: host.host,
    port: host.port ?? DEFAULT_PORTS[dialect],
    user: decode(parsed.username),
    password: decode(parsed.password) ?? password,
    database,
  };
  const servername = /^[\d.]+$|:/.test(host.host) ? undefined : host.host;
  if (dialect === 'postgresql') {
    const mode = query.get('sslmode') ?? 'disable';
    // libpq's meanings: require encrypts without verifying, verify-ca skips the name check.
    if (mode === 'require') target.tls = { rejectUnauthorized: false, servername };
    if (mode === 'verify-ca') target.tls = { rejectUnauthorized: true, servername, checkServerIdentity: () => undefined };
    if (mode === 'verify-full') target.tls = { rejectUnauthorized: true, servername };
  } else if (dialect === 'redis') {
    if (parsed.scheme === 'rediss') target.tls = { rejectUnauthorized: true, servername };
  } else {
    const ssl = query.get('ssl') ?? 'false';
    if (ssl === 'true') target.tls = { rejectUnauthorized: true, servername };
    if (ssl === 'skip-verify') target.tls = { rejectUnauthorized: false, servername };
  }
  return target;
}

/** `scheme://host:port/path` for messages and logs: no userinfo, no query. */
export function describeUrl(url: string): string {
  const parsed = parseServiceUrl(url);
  if (!parsed) return '(unreadable URL)';
  const path = parsed.rest.replace(/[?#].*$/s, '');
  return `${parsed.scheme}://${parsed.rawHosts}${path}`;
}
