import type { z } from 'zod';
import { boundedInt, configObject } from '../config/common';
import { defineProvider } from './provider';

/**
 * SPEC 4.5: one device one secret. Devices sign `SharedAccessSignature` tokens with their
 * primary or secondary key; tokens valid further ahead than `maxTokenLifetimeSeconds` are refused.
 */
export const deviceSecretConfigSchema = configObject('device-secret', {
  maxTokenLifetimeSeconds: boundedInt('maxTokenLifetimeSeconds', 60, 10 * 31_536_000).default(31_536_000),
});

export type DeviceSecretConfig = z.output<typeof deviceSecretConfigSchema>;

export const deviceSecretProvider = defineProvider({
  type: 'device-secret',
  method: 'device-secret',
  perChain: 'once',
  config: deviceSecretConfigSchema,
});
