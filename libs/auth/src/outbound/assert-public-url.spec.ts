import { describe, expect, it } from 'vitest';
import { OutboundAddressError, assertPublicUrl, parseAllowList, resolvePublicHost } from './assert-public-url';
import { nonPublicReason, parseIp } from './ip-address';
import { formatServiceUrl, parseServiceUrl } from './service-url';

async function refusal(url: string, allow: string[] = [], resolve?: (host: string) => Promise<string[]>): Promise<string> {
  const error = await assertPublicUrl(url, allow, { resolve }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof OutboundAddressError)) throw new Error(`${url} was not refused`);
  return error.message;
}

describe('parseIp', () => {
  it('reads IPv4, IPv6, bracketed and zoned literals', () => {
    expect(Array.from(parseIp('10.1.2.3')!)).toEqual([10, 1, 2, 3]);
    expect(Array.from(parseIp('[::1]')!)).toEqual([...Array(15).fill(0), 1]);
    expect(Array.from(parseIp('::ffff:127.0.0.1')!).slice(10)).toEqual([0xff, 0xff, 127, 0, 0, 1]);
    expect(Array.from(parseIp('fe80::1%eth0')!).slice(0, 2)).toEqual([0xfe, 0x80]);
    expect(parseIp('localhost')).toBeUndefined();
    expect(parseIp('256.1.1.1')).toBeUndefined();
  });
});

describe('nonPublicReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique-local'],
    ['fd00:ec2::254', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:7f00:1::', 'loopback'],
  ])('refuses %s as %s', (address, reason) => {
    expect(nonPublicReason(parseIp(address)!)).toContain(reason);
  });

  it.each(['1.1.1.1', '8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    'lets the public address %s through',
    (address) => {
      expect(nonPublicReason(parseIp(address)!)).toBeUndefined();
    },
  );
});

describe('assertPublicUrl', () => {
  it('accepts URLs whose hosts are public IP literals', async () => {
    await expect(assertPublicUrl('https://93.184.216.34/auth', [])).resolves.toBeUndefined();
    await expect(assertPublicUrl('https://[2606:4700:4700::1111]:8443/jwks.json', [])).resolves.toBeUndefined();
    await expect(assertPublicUrl('mongodb://u:p@1.1.1.1:27017,8.8.8.8:27017/db', [])).resolves.toBeUndefined();
  });

  it('refuses literal loopback, private, link-local and metadata addresses, naming the reason', async () => {
    expect(await refusal('http://127.0.0.1:8080/auth')).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(await refusal('http://169.254.169.254/latest/meta-data/')).toMatch(/cloud metadata/);
    expect(await refusal('postgres://u:p@10.0.0.5:5432/db')).toMatch(/private/);
    expect(await refusal('http://[::1]/')).toMatch(/loopback/);
    expect(await refusal('http://[::ffff:127.0.0.1]/')).toMatch(/loopback/);
    expect(await refusal('http://[fd12:3456::1]/')).toMatch(/unique-local/);
    expect(await refusal('http://0.0.0.0:80/')).toMatch(/unspecified/);
    expect(await refusal('mongodb://8.8.8.8,192.168.0.2/db')).toMatch(/192\.168\.0\.2/);
  });

  it('resolves host names with the system resolver: localhost is loopback', async () => {
    expect(await refusal('http://localhost:8080/auth')).toMatch(/localhost resolves to an address that is not public/);
    expect(await refusal('redis://LOCALHOST./')).toMatch(/loopback/);
  });

  it('follows numeric host spellings the way clients do', async () => {
    // getaddrinfo reads 2130706433 as 127.0.0.1, so a client would reach loopback.
    expect(await refusal('postgres://2130706433:5432/db')).toMatch(/loopback/);
  });

  it('refuses a name when any of its addresses is not public', async () => {
    const resolve = async () => ['93.184.216.34', '10.1.1.1'];
    expect(await refusal('https://mixed.example/', [], resolve)).toMatch(/mixed\.example resolves to an address that is not public/);
  });

  it('refuses a name that does not resolve', async () => {
    const resolve = async () => {
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    expect(await refusal('https://nowhere.invalid/', [], resolve)).toMatch(/cannot be resolved \(ENOTFOUND\)/);
  });

  it('accepts a public name', async () => {
    const resolve = async () => ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'];
    await expect(assertPublicUrl('https://auth.example.com/mqtt', [], { resolve })).resolves.toBeUndefined();
  });

  it('lets the allow-list through: host names as written, CIDRs and single addresses', async () => {
    await expect(assertPublicUrl('http://localhost:8080/', ['localhost'])).resolves.toBeUndefined();
    await expect(assertPublicUrl('http://127.0.0.1:8080/', ['127.0.0.0/8'])).resolves.toBeUndefined();
    await expect(assertPublicUrl('http://[::ffff:127.0.0.1]/', ['127.0.0.1'])).resolves.toBeUndefined();
    await expect(assertPublicUrl('postgres://db.internal/x', ['10.0.0.0/8'], { resolve: async () => ['10.2.3.4'] })).resolves.toBeUndefined();
    await expect(assertPublicUrl('http://[fd00::5]/', ['fd00::/8'])).resolves.toBeUndefined();
    expect(await refusal('http://127.0.0.2/', ['127.0.0.1'])).toMatch(/loopback/);
    expect(await refusal('http://10.0.0.1/', ['localhost'])).toMatch(/private/);
  });

  it('follows mongodb+srv names through their SRV records', async () => {
    const options = { resolveSrv: async () => ['shard-0.example.net'], resolve: async () => ['192.168.1.10'] };
    await expect(assertPublicUrl('mongodb+srv://cluster.example.net/db', [], options)).rejects.toThrow(/shard-0\.example\.net resolves to an address that is not public/);
  });

  it('reads an http(s) URL as the HTTP client does (WHATWG) and refuses what other parsers read otherwise', async () => {
    // WHATWG reads `\` as `/`: undici would connect to 127.0.0.1:28080, not to 8.8.8.8.
    expect(new URL('http://127.0.0.1:28080\\@8.8.8.8/').host).toBe('127.0.0.1:28080');
    expect(await refusal('http://127.0.0.1:28080\\@8.8.8.8/')).toMatch(/must not contain a backslash/);
    expect(await refusal('https://8.8.8.8\\@127.0.0.1/')).toMatch(/backslash/);
    expect(await refusal('http://8.8.8.8\t@127.0.0.1/')).toMatch(/spaces or control characters/);
    // Spellings WHATWG turns into loopback are judged as loopback.
    expect(await refusal('http://127.0.0.%31/')).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(await refusal('http://0x7f.1/')).toMatch(/loopback/);
    expect(await refusal('HTTP://[::ffff:127.0.0.1]:80/')).toMatch(/loopback/);
  });

  it('refuses credentials in an http(s) URL, whichever host follows', async () => {
    expect(await refusal('https://user:pw@93.184.216.34/auth')).toMatch(/may not carry credentials/);
    expect(await refusal('http://127.0.0.1@93.184.216.34/')).toMatch(/may not carry credentials/);
  });

  it('never tells what an internal name resolves to, and names MQC_OUTBOUND_ALLOW', async () => {
    const message = await refusal('https://db.internal.example/', [], async () => ['10.20.30.40', 'fd00::1234']);
    expect(message).toBe(
      'db.internal.example resolves to an address that is not public (loopback, private, link-local, metadata or reserved), which tenant URLs may not reach; the operator of a self-hosted MQC may allow it with MQC_OUTBOUND_ALLOW',
    );
    const local = await refusal('http://localhost:8080/auth');
    expect(local).not.toMatch(/127\.0\.0\.1|::1/);
    expect(local).toContain('MQC_OUTBOUND_ALLOW');
    expect(await refusal('postgres://u:p@10.0.0.5:5432/db')).toContain('MQC_OUTBOUND_ALLOW');
  });

  it('refuses text that is not a URL with a host', async () => {
    expect(await refusal('not a url')).toMatch(/not a URL/);
  });
});

describe('resolvePublicHost', () => {
  it('returns the checked addresses, so a client can connect to exactly those', async () => {
    expect(await resolvePublicHost('auth.example.com', parseAllowList([]), { resolve: async () => ['93.184.216.34'] })).toEqual(['93.184.216.34']);
  });
});

describe('parseServiceUrl', () => {
  it('splits userinfo and host lists and formats back what was written', () => {
    const text = 'mongodb://app:p%40ss@Db1.example:27017,[2001:db8::1]:27018/auth?replicaSet=rs0';
    const url = parseServiceUrl(text)!;
    expect(url.scheme).toBe('mongodb');
    expect(url.username).toBe('app');
    expect(url.password).toBe('p%40ss');
    expect(url.hosts).toEqual([
      { host: 'db1.example', port: 27017 },
      { host: '2001:db8::1', port: 27018 },
    ]);
    expect(formatServiceUrl(url)).toBe(text);
    expect(formatServiceUrl({ ...url, password: undefined })).toBe('mongodb://app@Db1.example:27017,[2001:db8::1]:27018/auth?replicaSet=rs0');
  });

  it('refuses what has no host or a bad port', () => {
    expect(parseServiceUrl('https:///x')).toBeUndefined();
    expect(parseServiceUrl('redis://host:99999')).toBeUndefined();
    expect(parseServiceUrl('host:80')).toBeUndefined();
  });
});
