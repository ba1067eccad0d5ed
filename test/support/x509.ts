import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { SECRET_CONTEXT, SecretBox } from '@mqc/domain';
import { openssl, opensslCa, scratch, type OpensslCa, type Scratch } from '../../libs/pki/src/openssl.spec-helper';

export { openssl, opensslCa, scratch, type OpensslCa, type Scratch };

/** How a mosquitto_pub run ended: its exit code and everything it printed. */
export interface ClientRun {
  code: number | null;
  output: string;
}

/** TLS options of a mosquitto client: the CA file that verifies the server, and a client certificate. */
export interface MosquittoTls {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

export const DAY = 24 * 3600 * 1000;

/** How mosquitto clients report a CONNACK "not authorised". */
export const NOT_AUTHORISED = /Connection Refused: not authorised/;

/** mosquitto's TLS options for a client presenting `files`, trusting `caFile`. */
export function withClientCert(caFile: string, files: { certFile: string; keyFile: string }): MosquittoTls {
  return { caFile, certFile: files.certFile, keyFile: files.keyFile };
}

function tlsArgs(tls: MosquittoTls): string[] {
  return ['--cafile', tls.caFile, ...(tls.certFile ? ['--cert', tls.certFile] : []), ...(tls.keyFile ? ['--key', tls.keyFile] : [])];
}

/** One mosquitto_pub over TLS to 127.0.0.1 (the instance's server certificate names it). */
export function mosquittoPub(port: number, tls: MosquittoTls, args: string[]): Promise<ClientRun> {
  return new Promise((resolve) => {
    execFile(
      'mosquitto_pub',
      ['-h', '127.0.0.1', '-p', String(port), ...tlsArgs(tls), ...(args.includes('-t') ? [] : ['-t', 'x509/test', '-m', 'hello']), '-d', ...args],
      { timeout: 15_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

/** A long-running mosquitto_sub over TLS, line-buffered; `lines` fills as it prints, `exited` resolves when it ends. */
export function mosquittoSub(port: number, tls: MosquittoTls, args: string[]): { child: ChildProcess; output: () => string; subscribed: Promise<void>; exited: Promise<number | null> } {
  const child = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), ...tlsArgs(tls), '-d', ...args]);
  let output = '';
  let markSubscribed: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => (markSubscribed = resolve));
  const collect = (d: Buffer) => {
    output += d.toString();
    if (output.includes('SUBACK')) markSubscribed();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, subscribed, exited };
}

/** `openssl s_client` against 127.0.0.1, stdin closed; async, so a broker in this process can answer. */
export function sClient(port: number, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args]);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdin.end();
    child.once('exit', () => resolve(output));
  });
}

/** The instance's own CA certificate and key from the database, opened with the master key (what only the platform holds). */
export async function instanceCaFromDatabase(databaseUrl: string, masterKey: Buffer, instanceId: string): Promise<{ certPem: string; keyPem: string }> {
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const rows = await sql.query<{ ca_cert_pem: string; ca_key_sealed: string }>('SELECT ca_cert_pem, ca_key_sealed FROM instances WHERE id = $1', [instanceId]);
    const row = rows.rows[0]!;
    return { certPem: row.ca_cert_pem, keyPem: new SecretBox(masterKey).openText(row.ca_key_sealed, SECRET_CONTEXT.instanceCaKey(instanceId)) };
  } finally {
    await sql.end();
  }
}

/** A certificate and key made by `opensslCa(...).issue`, as files and as text. */
export interface IssuedFiles {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}


/** Issues with the openssl CLI: `profile` client (leaf) or ca (a root when no issuer). */
export function issueWithOpenssl(tmp: Scratch, ca: OpensslCa, name: string, o: { cn: string; issuer?: string; profile?: 'ca' | 'client'; from?: Date; to?: Date; key?: 'rsa' | 'ec' }): IssuedFiles {
  const issued = ca.issue(name, {
    cn: o.cn,
    issuer: o.issuer,
    profile: o.profile ?? 'client',
    from: o.from ?? new Date(Date.now() - DAY),
    to: o.to ?? new Date(Date.now() + 30 * DAY),
    key: o.key ?? 'ec',
  });
  return { certFile: tmp.path(`${name}.pem`), keyFile: tmp.path(`${name}.key`), ...issued };
}

/** The serial number of a PEM certificate as Node (and the API) write it. */
export function serialOf(certPem: string): string {
  return new X509Certificate(certPem).serialNumber;
}

export function read(file: string): string {
  return readFileSync(file, 'utf8');
}
