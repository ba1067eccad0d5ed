// Test support only (imported by *.spec.ts): PEMs go to a temp dir and the openssl CLI judges them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Scratch {
  dir: string;
  /** Writes `content` to `name` in the scratch dir and answers its path. */
  write(name: string, content: string): string;
  read(name: string): string;
  path(name: string): string;
  remove(): void;
}

export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'mqc-pki-'));
  return {
    dir,
    write: (name, content) => {
      writeFileSync(join(dir, name), content);
      return join(dir, name);
    },
    read: (name) => readFileSync(join(dir, name), 'utf8'),
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs openssl; throws with its stderr when it exits non-zero. Answers stdout. */
export function openssl(args: string[], input?: string): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr ?? ''}${err.stdout ?? ''}${err.message}`);
  }
}

/** Runs openssl expecting failure; answers stdout + stderr. */
export function opensslFailure(args: string[]): string {
  try {
    execFileSync('openssl', args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
  throw new Error(`openssl ${args.join(' ')} unexpectedly succeeded`);
}

export type KeyAlgorithm = 'rsa' | 'ec' | 'ed25519';
export type Profile = 'ca' | 'leaf' | 'client';

/** An `openssl ca` setup in the scratch dir, for certificates with arbitrary dates (OpenSSL 3.0's x509 has no -not_before). */
export interface OpensslCa {
  /** A key and a CSR for `/CN=<cn>`; answers the file paths. */
  keyAndCsr(name: string, cn: string, key?: KeyAlgorithm): { keyFile: string; csrFile: string };
  /** A certificate for `/CN=<cn>` with a fresh key, self-signed or signed by the named earlier one. */
  issue(name: string, o: { cn: string; issuer?: string; profile: Profile; from: Date; to: Date; key?: KeyAlgorithm }): { certPem: string; keyPem: string };
}

export function opensslCa(tmp: Scratch): OpensslCa {
  const cnf = tmp.write(
    'openssl-ca.cnf',
    [
      '[ req ]',
      'distinguished_name = dn',
      'prompt = no',
      '[ dn ]',
      'CN = unused',
      '[ ca ]',
      'default_ca = test_ca',
      '[ test_ca ]',
      `database = ${tmp.path('index.txt')}`,
      `new_certs_dir = ${tmp.dir}`,
      `serial = ${tmp.path('serial')}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'email_in_dn = no',
      '[ any ]',
      'commonName = supplied',
      '[ ca_ext ]',
      'basicConstraints = critical,CA:true',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '[ leaf_ext ]',
      'basicConstraints = critical,CA:false',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '[ client_ext ]',
      'basicConstraints = critical,CA:false',
      'keyUsage = critical,digitalSignature',
      'extendedKeyUsage = clientAuth',
      '[ v3_req ]',
      '',
    ].join('\n'),
  );
  tmp.write('index.txt', '');
  tmp.write('serial', '1000\n');
  const stamp = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
  const keyAndCsr: OpensslCa['keyAndCsr'] = (name, cn, key = 'rsa') => {
    const keyFile = tmp.path(`${name}.key`);
    const csrFile = tmp.path(`${name}.csr`);
    const newkey = { rsa: ['-newkey', 'rsa:2048'], ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], ed25519: ['-newkey', 'ed25519'] }[key];
    openssl(['req', '-new', ...newkey, '-nodes', '-keyout', keyFile, '-subj', `/CN=${cn}`, '-out', csrFile, '-config', cnf]);
    return { keyFile, csrFile };
  };
  return {
    keyAndCsr,
    issue: (name, o) => {
      const { keyFile, csrFile } = keyAndCsr(name, o.cn, o.key);
      const signer = o.issuer === undefined ? ['-selfsign', '-keyfile', keyFile] : ['-cert', tmp.path(`${o.issuer}.pem`), '-keyfile', tmp.path(`${o.issuer}.key`)];
      const out = tmp.path(`${name}.pem`);
      openssl(['ca', '-batch', '-config', cnf, ...signer, '-in', csrFile, '-out', out, '-startdate', stamp(o.from), '-enddate', stamp(o.to), '-extensions', `${o.profile}_ext`, '-notext']);
      return { certPem: tmp.read(`${name}.pem`), keyPem: tmp.read(`${name}.key`) };
    },
  };
}
