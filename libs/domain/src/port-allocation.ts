import type { InstancePorts } from './instance';

export interface PortRange {
  first: number;
  last: number;
}

/**
 * The lowest free ports of the range for an instance's three listeners, or undefined when
 * the range is exhausted. The database's unique index on ports is the final arbiter.
 */
export function pickInstancePorts(range: PortRange, used: ReadonlySet<number>): InstancePorts | undefined {
  const free: number[] = [];
  for (let port = range.first; port <= range.last && free.length < 3; port++) {
    if (!used.has(port)) free.push(port);
  }
  if (free.length < 3) return undefined;
  const [mqtt, mqtts, ws] = free as [number, number, number];
  return { mqtt, mqtts, ws };
}
