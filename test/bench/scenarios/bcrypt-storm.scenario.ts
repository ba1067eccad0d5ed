import type { BrokerProcess } from '../broker-process';
import { BENCH_USER } from '../servers/auth-modes';
import { stormFromOwnProcess } from '../load/storm-process';
import { publishLatency } from './qos1-latency.scenario';

export interface StormResult {
  idleP99Ms: number;
  stormP99Ms: number;
}

/**
 * Slow hashes must not stall the broker: QoS 0 latency of a connected pair, first idle, then
 * while `clients` clients connect with bcrypt all at once.
 */
export async function bcryptStorm(broker: BrokerProcess, options: { clients: number; seconds: number; round?: number }): Promise<StormResult> {
  const idle = await publishLatency(broker.port, { rate: 500, seconds: options.seconds, qos: 0, topic: 'bench/idle', ...BENCH_USER });
  const storm = await publishLatency(broker.port, {
    rate: 500,
    seconds: options.seconds,
    qos: 0,
    topic: 'bench/storm',
    ...BENCH_USER,
    // A different user each (and each round), so every CONNECT pays a full bcrypt verification; from another
    // process, so the storm's burst does not stall the one timestamping the messages.
    during: () => stormFromOwnProcess({ port: broker.port, clients: options.clients, usernamePrefix: `${BENCH_USER.username}-r${options.round ?? 0}`, password: BENCH_USER.password }),
  });
  return { idleP99Ms: idle.p99Ms, stormP99Ms: storm.p99Ms };
}
