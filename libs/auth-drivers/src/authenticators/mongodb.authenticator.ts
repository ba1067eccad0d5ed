import { lookup as systemLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { MongoClient, type Document, type MongoClientOptions } from 'mongodb';
import {
  assertPublicUrl,
  type AuthResult,
  type Authenticator,
  type ConnectCredentials,
  describeUrl,
  ExternalDatabaseError,
  judgePasswordRow,
  missingPlaceholders,
  type MongodbConfig,
  parseServiceUrl,
  placeholderValues,
  type PlaceholderValues,
  renderTemplate,
  resolvePublicHost,
  withDeadline,
} from '@mqc/auth';
import { outboundGuard, type ExternalDatabaseOptions, type OutboundGuard } from '../external/guarded-socket';

/** Resolution of SRV names (`mongodb+srv://`) for the guard's check of the URL (tests). */
export interface MongodbOptions extends ExternalDatabaseOptions {
  resolveSrv?: (name: string) => Promise<string[]>;
}

const WHOLE_PLACEHOLDER = /^\$\{([a-z_]+)\}$/;

/**
 * The filter with the client's values in place. Placeholders are bound into the parsed
 * document, never spliced into JSON text: a string that is one placeholder becomes that value,
 * a string with text around placeholders is rendered as a string; a value is always a string,
 * so `{"$ne": null}` as a user name matches only that user name. Undefined when the client
 * lacks a value the filter needs (the authenticator then ignores the client).
 */
export function bindFilter(filter: Readonly<Record<string, unknown>>, values: PlaceholderValues): Document | undefined {
  let missing = false;
  const bind = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE_PLACEHOLDER.exec(node)?.[1];
      if (whole !== undefined && whole in values) {
        const value = values[whole as keyof PlaceholderValues];
        if (value === undefined) missing = true;
        return value;
      }
      if (missingPlaceholders(node, values).length > 0) missing = true;
      return renderTemplate(node, values);
    }
    if (Array.isArray(node)) return node.map(bind);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, bind(item)]));
    return node;
  };
  const bound = bind(filter) as Document;
  return missing ? undefined : bound;
}

/** A field of a document, `a.b` reading nested documents. */
function fieldOf(document: Document, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Document)[key] : undefined), document);
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address?: string | LookupAddress[], family?: number) => void;

/**
 * The driver's name resolution for every connection it opens (the URL's hosts, SRV targets,
 * replica-set members it discovers): the guard resolves and checks, the socket connects to
 * the address checked (no DNS rebinding). A name the operator allowed resolves as usual.
 */
function guardedLookup(guard: OutboundGuard): LookupFunction {
  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolvePublicHost(hostname, guard.allowList, { resolve: guard.resolve, timeoutMs: guard.timeoutMs }).then(
      (addresses) => {
        const checked = addresses.filter((a) => isIP(a) !== 0).map((address) => ({ address, family: isIP(address) }));
        if (checked.length === 0) return systemLookup(hostname, { ...options, all: options.all === true } as LookupOptions & { all: boolean }, callback as never);
        if (options.all) return callback(null, checked);
        return callback(null, checked[0]!.address, checked[0]!.family);
      },
      (error: Error) => callback(Object.assign(error, { code: 'EOUTBOUND' })),
    );
  };
  return lookup as unknown as LookupFunction;
}

/**
 * External password database on MongoDB (SPEC 4.6): a find-one in `collection` of `database`
 * with the tenant's filter, its placeholders bound as values; the document's
 * `passwordHashField`, `saltField` and `isSuperuserField` are judged like the other
 * databases' rows. No document, or a client without a value the filter needs, is `ignore`.
 * One pooled client per authenticator, closed when the chain unloads; only the URL's hosts,
 * `tls` and `authMechanism` reach the driver. Every host (the URL's, SRV targets, members
 * found later) passes the private-address guard; `timeoutMs` bounds connecting, server
 * selection and the query. Errors are backend failures for the chain's policy.
 */
export class MongodbAuthenticator implements Authenticator {
  readonly type = 'mongodb';
  private readonly client: MongoClient;
  private readonly where: string;
  private readonly guard: OutboundGuard;
  private urlChecked: Promise<void> | undefined;
  private refused: Error | undefined;

  constructor(
    readonly id: string,
    private readonly config: MongodbConfig,
    private readonly options: MongodbOptions = {},
  ) {
    this.where = describeUrl(config.url);
    this.guard = outboundGuard(options.outboundAllowList, config.timeoutMs, options.resolve);
    const parsed = parseServiceUrl(config.url);
    if (!parsed) throw new Error('unreadable MongoDB URL');
    const query = new URLSearchParams(/\?([^#]*)/s.exec(parsed.rest)?.[1] ?? '');
    const authSource = decodeURIComponent(parsed.rest.replace(/[?#].*$/s, '').replace(/^\//, '')) || undefined;
    const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
    const password = parsed.password ? decodeURIComponent(parsed.password) : config.password;
    const single = parsed.scheme === 'mongodb' && parsed.hosts.length === 1;
    const clientOptions: MongoClientOptions = {
      auth: username === undefined ? undefined : { username, password },
      authSource,
      authMechanism: (query.get('authMechanism') as 'SCRAM-SHA-1' | 'SCRAM-SHA-256' | null) ?? undefined,
      tls: query.get('tls') === 'true',
      // One host: no discovery of other members, the client talks to that server only.
      directConnection: single,
      maxPoolSize: config.poolSize,
      connectTimeoutMS: config.timeoutMs,
      serverSelectionTimeoutMS: config.timeoutMs,
      socketTimeoutMS: config.timeoutMs * 2,
      waitQueueTimeoutMS: config.timeoutMs,
      lookup: guardedLookup(this.guard),
      appName: `mqc authenticator ${id}`.slice(0, 128),
      monitorCommands: false,
    };
    // Our own reading of the hosts, without the tenant's query: the driver sees no option we did not pass.
    this.client = new MongoClient(`${parsed.scheme}://${parsed.rawHosts}/`, clientOptions);
    // A member announced by address (no name to resolve through the guard) must be public too.
    this.client.on('serverOpening', (event: { address: string }) => {
      const host = event.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (isIP(host) === 0) return;
      resolvePublicHost(host, this.guard.allowList).catch((error: Error) => {
        this.refused = error;
        void this.client.close();
      });
    });
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const filter = bindFilter(this.config.filter, placeholderValues(credentials));
    if (filter === undefined) return { kind: 'ignore' };
    let document: Document | null;
    try {
      if (this.refused) throw this.refused;
      await this.checkUrl();
      const fields = [this.config.passwordHashField, this.config.saltField, this.config.isSuperuserField];
      const work = this.client
        .db(this.config.database)
        .collection(this.config.collection)
        .findOne(filter, { projection: Object.fromEntries(fields.map((f) => [f, 1])), maxTimeMS: this.config.timeoutMs });
      document = await withDeadline(work, this.config.timeoutMs, () => new Error(`no answer within ${this.config.timeoutMs} ms`));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ExternalDatabaseError(`MongoDB ${this.where}: ${why}`, { cause: error });
    }
    if (!document) return { kind: 'ignore' };
    const row = {
      password_hash: fieldOf(document, this.config.passwordHashField),
      salt: fieldOf(document, this.config.saltField),
      is_superuser: fieldOf(document, this.config.isSuperuserField),
    };
    return judgePasswordRow(row, credentials, this.config.passwordHash);
  }

  /** The URL's hosts (literal addresses, which skip name resolution, and SRV names) once; checked again after a failure. */
  private checkUrl(): Promise<void> {
    this.urlChecked ??= assertPublicUrl(this.config.url, this.guard.allowList, {
      resolve: this.guard.resolve,
      resolveSrv: this.options.resolveSrv,
      timeoutMs: this.config.timeoutMs,
    }).catch((error: unknown) => {
      this.urlChecked = undefined;
      throw error;
    });
    return this.urlChecked;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
