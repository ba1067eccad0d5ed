import type { AuthResult, Authenticator, ConnectCredentials, PskConfig } from '@mqc/auth';

/**
 * TLS-PSK (SPEC 4.6): the TLS handshake has already proved the client holds its identity's
 * key (the listener refuses unknown identities and wrong keys), so a client that arrives with
 * a PSK identity is allowed; clients without one are `ignore`d. With `identityAsUsername`
 * the identity becomes the session's user name, and a CONNECT user name that differs is
 * refused.
 */
export class PskAuthenticator implements Authenticator {
  readonly type = 'psk';

  constructor(
    readonly id: string,
    private readonly config: PskConfig,
  ) {}

  /** Keys kept in the configuration itself (hex), beside the instance's registry. */
  get inlineIdentities(): Readonly<Record<string, string>> {
    return this.config.identities;
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const identity = credentials.pskIdentity;
    if (identity === undefined) return { kind: 'ignore' };
    if (!this.config.identityAsUsername) return { kind: 'allow', superuser: false };
    if (credentials.username !== undefined && credentials.username !== identity) {
      return { kind: 'deny', reason: 'bad-credentials', message: 'the user name differs from the TLS-PSK identity' };
    }
    return { kind: 'allow', superuser: false, username: identity };
  }
}
