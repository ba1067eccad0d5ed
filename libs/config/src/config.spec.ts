import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index';

const dataDir = () => mkdtempSync(join(tmpdir(), 'mqc-config-'));

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ MQC_DATA_DIR: dataDir() });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.natsUrl).toBe('nats://127.0.0.1:4222');
    expect(config.natsReplicas).toBe(1);
    expect(config.apiPort).toBe(8080);
    expect(config.publicHost).toBe('127.0.0.1');
    expect(config.brokerPorts).toEqual({ first: 18830, last: 19829 });
    expect(config.outboundAllow).toEqual([]);
  });

  it('binds the admin ports to loopback unless MQC_ADMIN_BIND_HOST says otherwise', () => {
    expect(loadConfig({ MQC_DATA_DIR: dataDir() }).adminBindHost).toBe('127.0.0.1');
    expect(loadConfig({ MQC_DATA_DIR: dataDir(), MQC_ADMIN_BIND_HOST: '0.0.0.0' }).adminBindHost).toBe('0.0.0.0');
    expect(loadConfig({ MQC_DATA_DIR: dataDir(), MQC_BIND_HOST: '0.0.0.0' }).adminBindHost).toBe('127.0.0.1');
  });

  it('names the variable that is malformed', () => {
    expect(() => loadConfig({ MQC_DATA_DIR: dataDir(), MQC_BROKER_PORTS: '19000-18000' })).toThrow(/MQC_BROKER_PORTS/);
    expect(() => loadConfig({ MQC_DATA_DIR: dataDir(), MQC_API_PORT: 'eighty' })).toThrow(/MQC_API_PORT/);
    expect(() => loadConfig({ MQC_DATA_DIR: dataDir(), NATS_URL: 'http://x' })).toThrow(/NATS_URL/);
    expect(() => loadConfig({ MQC_DATA_DIR: dataDir(), MQC_NATS_REPLICAS: '0' })).toThrow(/MQC_NATS_REPLICAS/);
    expect(() => loadConfig({ MQC_DATA_DIR: dataDir(), DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ MQC_DATA_DIR: dataDir(), MQC_MASTER_KEY: 'short' })).toThrow(ConfigError);
  });

  it('generates the operator token and master key once, readable only by the owner', () => {
    const dir = dataDir();
    const first = loadConfig({ MQC_DATA_DIR: dir });
    const second = loadConfig({ MQC_DATA_DIR: dir });
    expect(second.operatorToken).toBe(first.operatorToken);
    expect(second.masterKey.equals(first.masterKey)).toBe(true);
    expect(first.masterKey).toHaveLength(32);
    expect(statSync(join(dir, 'master-key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'operator-token'), 'utf8').trim()).toBe(first.operatorToken);
  });

  it('refuses to generate a master key in production', () => {
    expect(() => loadConfig({ MQC_DATA_DIR: dataDir(), NODE_ENV: 'production' })).toThrow(/MQC_MASTER_KEY/);
  });

  it('parses the outbound allow-list', () => {
    const config = loadConfig({ MQC_DATA_DIR: dataDir(), MQC_OUTBOUND_ALLOW: '127.0.0.1, 10.0.0.0/8' });
    expect(config.outboundAllow).toEqual(['127.0.0.1', '10.0.0.0/8']);
  });
});
