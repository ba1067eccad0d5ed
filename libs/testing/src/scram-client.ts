import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * A SCRAM client for tests, written from RFC 5802 section 3 with node:crypto alone: it shares
 * no code with the server side (scram.ts), so a server that agrees with it agrees with the RFC.
 */
export class TestScramClient {
  private bare = '';
  private expectedServerSignature = '';

  constructor(
    readonly hash: 'sha256' | 'sha512',
    readonly username: string,
    readonly password: string,
    readonly nonce = randomBytes(18).toString('base64'),
  ) {}

  get mechanism(): string {
    return this.hash === 'sha256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512';
  }

  /** `n,,n=user,r=nonce` — the GS2 header says: no channel binding, no authzid. */
  clientFirst(): Buffer {
    const saslName = this.username.replace(/=/g, '=3D').replace(/,/g, '=2C');
    this.bare = `n=${saslName},r=${this.nonce}`;
    return Buffer.from(`n,,${this.bare}`, 'utf8');
  }

  /** `c=biws,r=…,p=ClientProof` for the server's first message. */
  clientFinal(serverFirst: Buffer | string, options: { password?: string; nonce?: string } = {}): Buffer {
    const text = serverFirst.toString();
    const fields = new Map(text.split(',').map((part) => [part[0], part.slice(2)] as const));
    const nonce = options.nonce ?? fields.get('r') ?? '';
    if (!nonce.startsWith(this.nonce)) throw new Error(`the server nonce ${nonce} does not extend ours`);
    const salt = Buffer.from(fields.get('s') ?? '', 'base64');
    const iterations = Number(fields.get('i'));
    const length = this.hash === 'sha256' ? 32 : 64;
    const saltedPassword = pbkdf2Sync(options.password ?? this.password, salt, iterations, length, this.hash);
    const clientKey = createHmac(this.hash, saltedPassword).update('Client Key').digest();
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=${Buffer.from('n,,').toString('base64')},r=${nonce}`;
    const authMessage = `${this.bare},${text},${withoutProof}`;
    const clientSignature = createHmac(this.hash, storedKey).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ (clientSignature[i] ?? 0)));
    const serverKey = createHmac(this.hash, saltedPassword).update('Server Key').digest();
    this.expectedServerSignature = createHmac(this.hash, serverKey).update(authMessage).digest('base64');
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** True when the server-final-message proves the server knew our keys. */
  verifyServerFinal(serverFinal: Buffer | string | undefined): boolean {
    return serverFinal !== undefined && this.expectedServerSignature !== '' && serverFinal.toString() === `v=${this.expectedServerSignature}`;
  }
}
