import type { BrokerProcess } from '../broker-process';
import { BENCH_USER } from '../servers/auth-modes';
import { connectRate } from './connect-rate.scenario';
import { publishLatency } from './qos1-latency.scenario';

export interface StormResult {
  idleP99Ms: number;
  stormP99Ms: number;
}

/**
 * Slow hashes must not stall the broker: QoS 0 latency of a connected pair, first idle, then
 * while `clients` clients connect with bcrypt all at once.
 */
export async function bcryptStorm(broker: BrokerProcess, options: { clients: number; seconds: number }): Promise<StormResult> {
  const idle = await publishLatency(broker.port, { rate: 500, seconds: options.seconds, qos: 0, topic: 'bench/idle', ...BENCH_USER });
  const storm = await publishLatency(broker.port, {
    rate: 500,
    seconds: options.seconds,
    qos: 0,
    topic: 'bench/storm',
    ...BENCH_USER,
    // A different user each, so every CONNECT pays for a full bcrypt verification.
    during: () =>
      connectRate(broker.port, {
        count: options.clients,
        concurrency: options.clients,
        prefix: 'storm',
        credentials: (clientId) => ({ username: `${BENCH_USER.username}-${clientId}`, password: BENCH_USER.password }),
      }),
  });
  return { idleP99Ms: idle.p99Ms, stormP99Ms: storm.p99Ms };
}
