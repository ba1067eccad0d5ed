import { createHmac, randomBytes } from 'node:crypto';
import { type Authenticator, type AuthResult, type ConnectCredentials, parseClientFirst, SCRAM_MECHANISMS, type ScramAlgorithm, type ScramConfig, type ScramCredential, ScramProtocolError, serverFirst, verifyClientFinal } from '@mqc/auth';

/** A built-in user's SCRAM keys for one algorithm (derived when its password was set). */
export interface ScramUserRecord {
  credential: ScramCredential;
  isSuperuser: boolean;
}

export interface ScramCredentialStore {
  find(instanceId: string, userId: string, algorithm: ScramAlgorithm): Promise<ScramUserRecord | undefined>;
}

/**
 * MQTT 5 enhanced authentication with SCRAM-SHA-256 or SCRAM-SHA-512 (SPEC 4.6, RFC 5802 and
 * 7677 over AUTH packets). CONNECT carries the client-first-message; the answer is a
 * `continue` with the server-first-message (AUTH 0x18); the client-final-message comes back
 * in AUTH and, when its proof holds, the client is allowed with the server-final-message
 * (ServerSignature) for the CONNACK. Re-authentication runs the same exchange.
 *
 * Clients that use another method, or MQTT 3.1.1, are `ignore`d (the rest of the chain
 * judges them). The SCRAM user name (`n=`) names the built-in user; a CONNECT user name, if
 * any, must be the same. An unknown user gets a deterministic fake salt and fails at the
 * proof, so the exchange does not tell which users exist.
 */
export class ScramAuthenticator implements Authenticator {
  readonly type = 'scram';
  private readonly mechanism: string;
  /** Keys the fake salts of unknown users (stable while this chain lives). */
  private readonly fakeSaltKey = randomBytes(32);

  constructor(
    readonly id: string,
    private readonly config: ScramConfig,
    private readonly store: ScramCredentialStore,
  ) {
    this.mechanism = SCRAM_MECHANISMS[config.algorithm];
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    if (credentials.protocolVersion !== 5 || credentials.authenticationMethod !== this.mechanism) return { kind: 'ignore' };
    let client;
    try {
      client = parseClientFirst(credentials.authenticationData);
    } catch (error) {
      if (!(error instanceof ScramProtocolError)) throw error;
      return { kind: 'deny', reason: 'not-authorized', message: `SCRAM: ${error.message}` };
    }
    if (credentials.username !== undefined && credentials.username !== client.username) {
      return { kind: 'deny', reason: 'bad-credentials', message: 'the SCRAM user name differs from the CONNECT user name' };
    }
    const user = await this.store.find(credentials.instanceId, client.username, this.config.algorithm);
    const credential = user?.credential ?? this.unknownUser(client.username);
    const first = serverFirst(client, credential);
    return {
      kind: 'continue',
      authenticationData: Buffer.from(first.message, 'utf8'),
      exchange: {
        next: async (data) => {
          const final = verifyClientFinal(data, client, first, credential);
          if (!final.ok || !user) return { kind: 'deny', reason: 'bad-credentials', message: `SCRAM: ${final.ok ? 'invalid-proof' : final.error}` };
          return {
            kind: 'allow',
            superuser: user.isSuperuser,
            username: client.username,
            // The built-in user whose SCRAM keys it proved: deleting the user ends the session.
            credential: { kind: 'user', userId: client.username },
            authenticationData: Buffer.from(final.serverFinal, 'utf8'),
          };
        },
      },
    };
  }

  /** RFC 5802 section 9: answer an unknown user as a known one, and fail it at the proof. */
  private unknownUser(username: string): ScramCredential {
    const salt = createHmac('sha256', this.fakeSaltKey).update(username).digest().subarray(0, 16);
    const length = this.config.algorithm === 'sha256' ? 32 : 64;
    return { algorithm: this.config.algorithm, salt, iterations: this.config.iterationCount, storedKey: randomBytes(length), serverKey: randomBytes(length) };
  }
}
