import { readFile } from 'node:fs/promises';
import type { PortRange } from '@mqc/config';

/** Linux: the ports the kernel picks from for outgoing connections (and `listen(0)`). */
export const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

/** `ip_local_port_range` holds two numbers ("32768\t60999"); undefined for anything else. */
export function parsePortRange(text: string): PortRange | undefined {
  const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (!match) return undefined;
  const first = Number(match[1]);
  const last = Number(match[2]);
  return first <= last ? { first, last } : undefined;
}

/** The ports both ranges hold, or undefined when they are apart. */
export function overlapOf(a: PortRange, b: PortRange): PortRange | undefined {
  const first = Math.max(a.first, b.first);
  const last = Math.min(a.last, b.last);
  return first <= last ? { first, last } : undefined;
}

/**
 * Where `MQC_BROKER_PORTS` overlaps the kernel's ephemeral range: any outgoing connection of
 * the host (to PostgreSQL, Redis, a webhook) may take one of those ports and an instance's
 * listener then cannot open. Undefined when they are apart or the range cannot be read.
 */
export async function ephemeralOverlap(brokerPorts: PortRange, file = EPHEMERAL_RANGE_FILE): Promise<{ ephemeral: PortRange; overlap: PortRange } | undefined> {
  const ephemeral = parsePortRange(await readFile(file, 'utf8').catch(() => ''));
  const overlap = ephemeral && overlapOf(brokerPorts, ephemeral);
  return ephemeral && overlap ? { ephemeral, overlap } : undefined;
}
