import { isIP } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { parseAllowList, resolvePublicHost, type AllowList, type Resolver } from '@mqc/auth';

// Shared by the JWKS cache and the HTTP authenticator. It belongs next to assertPublicUrl in
// outbound/; it lives here because outbound/ is owned by another change.

export interface GuardedAgentOptions {
  /** The operator's allow-list (MQC_OUTBOUND_ALLOW): host names, addresses or CIDRs. */
  allowList: AllowList | readonly string[];
  /** Connect, headers and body timeouts. */
  timeoutMs: number;
  /** Sockets per origin at most. */
  connections?: number;
  /** Name resolution for the guard (tests); the system resolver by default. */
  resolve?: Resolver;
}

/**
 * An undici Agent whose every new socket goes through the private-address guard (SPEC 4.4):
 * the host is resolved and each address checked with resolvePublicHost, then the socket
 * connects to a checked address, so a name cannot resolve to a public address for the
 * check and to a private one for the connect (DNS rebinding). TLS still verifies the
 * certificate against the host name. undici's `request` follows no redirects.
 */
export function createGuardedAgent(options: GuardedAgentOptions): Agent {
  const allow = Array.isArray(options.allowList) ? parseAllowList(options.allowList) : (options.allowList as AllowList);
  const connectSocket = buildConnector({ timeout: options.timeoutMs });
  const connect: buildConnector.connector = (target, callback) => {
    resolvePublicHost(target.hostname, allow, { resolve: options.resolve, timeoutMs: options.timeoutMs }).then(
      (addresses) => {
        // A host name the operator allowed comes back unresolved; the socket resolves it.
        const address = addresses.find((a) => isIP(a) !== 0) ?? target.hostname;
        // `host` keeps the name: undici takes the TLS servername from it.
        connectSocket({ ...target, hostname: address }, callback);
      },
      (error: Error) => callback(error, null),
    );
  };
  return new Agent({
    connect,
    connections: options.connections ?? null,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 4_000,
  });
}

export class ResponseTooLargeError extends Error {
  constructor(limit: number) {
    super(`response body larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** The whole body, refusing (and dropping the connection) past `maxBytes`. */
export async function readBodyCapped(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += bytes.length;
    if (size > maxBytes) {
      body.destroy();
      throw new ResponseTooLargeError(maxBytes);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
