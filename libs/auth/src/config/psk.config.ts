import { z } from 'zod';
import { configObject } from './common';

const HEX_KEY = /^(?:[0-9a-fA-F]{2}){16,64}$/;

/** SPEC 4.6: TLS-PSK identities of the instance, each with its key (secret, hex, 16-64 bytes). */
export const pskConfigSchema = configObject('psk', {
  identities: z
    .record(
      z.string().min(1, { error: 'an identity must not be empty' }).max(128, { error: 'an identity must be at most 128 characters' }),
      z.string().regex(HEX_KEY, { error: 'a PSK must be 16 to 64 bytes, in hex' }),
      { error: 'identities must be an object of identity and hex key' },
    )
    .default({}),
});

export type PskConfig = z.output<typeof pskConfigSchema>;
