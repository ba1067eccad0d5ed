import { z } from 'zod';
import { X509_MODES, X509_PROVISIONING } from '@mqc/domain';

export const x509SettingsSchema = z
  .object({
    mode: z.enum(X509_MODES, { error: `mode must be one of ${X509_MODES.join(', ')}` }),
    provisioning: z.enum(X509_PROVISIONING, { error: `provisioning must be one of ${X509_PROVISIONING.join(', ')}` }).default('API'),
    autoActivate: z.boolean({ error: 'autoActivate must be a boolean' }).default(false),
  })
  .strict();

export const x509SettingsViewSchema = z.object({
  mode: z.enum(X509_MODES),
  provisioning: z.enum(X509_PROVISIONING),
  autoActivate: z.boolean(),
});
