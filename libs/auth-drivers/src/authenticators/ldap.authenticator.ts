import { isIP } from 'node:net';
import { Client, InvalidCredentialsError, NoSuchObjectError, SizeLimitExceededError, type Entry } from 'ldapts';
import { type Authenticator, type AuthResult, type ConnectCredentials, describeUrl, escapeDnValue, escapeFilterValue, ExternalDatabaseError, type LdapConfig, missingPlaceholders, parseServiceUrl, placeholderValues, renderTemplate, truthy, verifyLdapPassword, withDeadline } from '@mqc/auth';
import { guardedAddress, outboundGuard, type ExternalDatabaseOptions, type OutboundGuard } from '../external/guarded-socket';

const BAD_CREDENTIALS: AuthResult = { kind: 'deny', reason: 'bad-credentials', message: 'bad username or password' };

function attributeValues(entry: Entry, name: string): string[] {
  // ldapts keys attributes as the server spells them; LDAP attribute names are case-insensitive.
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

/**
 * LDAP (SPEC 4.6 platinum extras): find the client's entry with `filter` under `baseDn`
 * (placeholders rendered with RFC 4515 filter escaping and RFC 4514 DN escaping, so
 * `*)(uid=*` is a value, not a filter), as the service account (`bindDn`) or anonymously;
 * then `bind` as that entry with the client's password, or (`hash`) compare the password
 * with the entry's `passwordAttribute` ({SSHA}, {SHA512}, {CRYPT} bcrypt, {ARGON2}…).
 * `isSuperuserAttribute` (LDAP TRUE, 1, true) makes a superuser.
 *
 * No entry, or a client without the values the templates need, is `ignore`; a filter that
 * matches several entries is a configuration fault (a backend failure). Each CONNECT uses its
 * own connection, to an address the private-address guard has just checked; `timeoutMs`
 * bounds the whole.
 */
export class LdapAuthenticator implements Authenticator {
  readonly type = 'ldap';
  private readonly guard: OutboundGuard;
  private readonly target: { host: string; port: number; secure: boolean };
  private readonly where: string;

  constructor(
    readonly id: string,
    private readonly config: LdapConfig,
    options: ExternalDatabaseOptions = {},
  ) {
    const url = parseServiceUrl(config.url);
    const host = url?.hosts[0];
    if (!url || !host) throw new Error('unreadable LDAP URL');
    const secure = url.scheme === 'ldaps';
    this.target = { host: host.host, port: host.port ?? (secure ? 636 : 389), secure };
    this.guard = outboundGuard(options.outboundAllowList, config.timeoutMs, options.resolve);
    this.where = describeUrl(config.url);
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const values = placeholderValues(credentials);
    if (missingPlaceholders(this.config.baseDn + this.config.filter, values).length > 0) return { kind: 'ignore' };
    const baseDn = renderTemplate(this.config.baseDn, values, escapeDnValue);
    const filter = renderTemplate(this.config.filter, values, escapeFilterValue);
    let client: Client | undefined;
    try {
      client = await this.client();
      const work = this.judge(client, baseDn, filter, credentials.password);
      return await withDeadline(work, this.config.timeoutMs, () => new Error(`no answer within ${this.config.timeoutMs} ms`));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ExternalDatabaseError(`LDAP ${this.where}: ${why}`, { cause: error });
    } finally {
      void client?.unbind().catch(() => undefined);
    }
  }

  private async judge(client: Client, baseDn: string, filter: string, password: Buffer | undefined): Promise<AuthResult> {
    if (this.config.bindDn !== undefined) await client.bind(this.config.bindDn, this.config.bindPassword ?? '');
    const attributes = [this.config.isSuperuserAttribute, this.config.method === 'hash' ? this.config.passwordAttribute : undefined].filter((a): a is string => a !== undefined);
    let searchEntries: Entry[];
    try {
      ({ searchEntries } = await client.search(baseDn, {
        scope: 'sub',
        filter,
        attributes: attributes.length > 0 ? attributes : ['1.1'],
        sizeLimit: 2,
        timeLimit: Math.ceil(this.config.timeoutMs / 1000),
      }));
    } catch (error) {
      // A base DN made from the client's name (uid=${username},ou=…) that does not exist.
      if (error instanceof NoSuchObjectError) return { kind: 'ignore' };
      if (error instanceof SizeLimitExceededError) throw new Error(`the filter matches several entries under ${baseDn}`);
      throw error;
    }
    const entry = searchEntries[0];
    if (!entry) return { kind: 'ignore' };
    if (searchEntries.length > 1) throw new Error(`the filter matches several entries under ${baseDn}`);
    // RFC 4513 section 5.1.2: a bind with an empty password is unauthenticated and "succeeds".
    if (password === undefined || password.length === 0) return BAD_CREDENTIALS;
    const superuser = this.config.isSuperuserAttribute !== undefined && attributeValues(entry, this.config.isSuperuserAttribute).some(truthy);

    if (this.config.method === 'bind') {
      try {
        await client.bind(entry.dn, password.toString('utf8'));
      } catch (error) {
        if (error instanceof InvalidCredentialsError) return BAD_CREDENTIALS;
        throw error;
      }
      return { kind: 'allow', superuser };
    }
    for (const stored of attributeValues(entry, this.config.passwordAttribute)) {
      if (await verifyLdapPassword(stored, password, this.config.passwordHash)) return { kind: 'allow', superuser };
    }
    return BAD_CREDENTIALS;
  }

  /**
   * A client for one CONNECT, connecting to the address the guard has just checked (a name
   * cannot resolve elsewhere between check and connect); TLS still names the configured host.
   */
  private async client(): Promise<Client> {
    const { host, port, secure } = this.target;
    const address = await guardedAddress(host, this.guard);
    return new Client({
      url: `${secure ? 'ldaps' : 'ldap'}://${isIP(address) === 6 ? `[${address}]` : address}:${port}`,
      timeout: this.config.timeoutMs,
      connectTimeout: this.config.timeoutMs,
      tlsOptions: isIP(host) === 0 ? { servername: host } : {},
    });
  }
}
