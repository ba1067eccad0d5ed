import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';

/** Debian's OpenLDAP, started by a test with its own configuration, data and port (.ci/run installs it). */
export interface Slapd {
  url: string;
  suffix: string;
  adminDn: string;
  adminPassword: string;
  /** Adds an entry as the administrator. */
  add(dn: string, attributes: Record<string, string | string[]>): Promise<void>;
  stop(): Promise<void>;
}

const SLAPD = '/usr/sbin/slapd';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A password value made by OpenLDAP's own slappasswd (with its pw-sha2 or argon2 module). */
export function slappasswd(scheme: string, password: string, extra: string[] = []): string {
  // slappasswd keeps one module-load option: the module the scheme needs.
  const module = scheme === '{ARGON2}' ? 'argon2.so' : 'pw-sha2.so';
  return execFileSync('slappasswd', ['-o', 'module-path=/usr/lib/ldap', '-o', `module-load=${module}`, '-h', scheme, '-s', password, ...extra], {
    encoding: 'utf8',
  }).trim();
}

export async function startSlapd(): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), 'mqc-slapd-'));
  mkdirSync(join(dir, 'data'));
  const suffix = 'dc=example,dc=com';
  const adminDn = `cn=admin,${suffix}`;
  const adminPassword = 'admin-secret';
  writeFileSync(
    join(dir, 'slapd.conf'),
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'moduleload pw-sha2',
      'moduleload argon2',
      `pidfile ${join(dir, 'slapd.pid')}`,
      'database mdb',
      `suffix "${suffix}"`,
      `rootdn "${adminDn}"`,
      `rootpw ${adminPassword}`,
      `directory ${join(dir, 'data')}`,
      // Passwords are for binding only; everything else may be read, anonymously too.
      'access to attrs=userPassword by anonymous auth by * none',
      'access to * by * read',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(SLAPD, ['-f', join(dir, 'slapd.conf'), '-h', `${url}/`, '-d', '0'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const admin = new Client({ url, timeout: 5_000, connectTimeout: 1_000 });
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.bind(adminDn, adminPassword);
      break;
    } catch (error) {
      if (attempt >= 100 || child.exitCode !== null) throw new Error(`slapd did not start: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await admin.add(suffix, { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'Example' });
  return {
    url,
    suffix,
    adminDn,
    adminPassword,
    add: (dn, attributes) => admin.add(dn, attributes),
    async stop() {
      await admin.unbind().catch(() => undefined);
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
