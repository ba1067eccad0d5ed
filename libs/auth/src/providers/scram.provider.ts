import { z } from 'zod';
import { boundedInt, configObject } from '../config/common';
import { defineProvider } from './provider';

/** SPEC 4.6: MQTT 5 enhanced authentication, SCRAM-SHA-256 or SCRAM-SHA-512. */
export const scramConfigSchema = configObject('scram', {
  algorithm: z.enum(['sha256', 'sha512'], { error: 'algorithm must be sha256 or sha512' }).default('sha256'),
  /** RFC 7677 asks for at least 4096. */
  iterationCount: boundedInt('iterationCount', 4096, 1_000_000).default(4096),
});

export type ScramConfig = z.output<typeof scramConfigSchema>;

/** MQTT 5 enhanced authentication against the built-in users' SCRAM keys. */
export const scramProvider = defineProvider({
  type: 'scram',
  method: 'scram',
  perChain: 'once',
  config: scramConfigSchema,
});
