import { z } from 'zod';
import { passwordHashParamsSchema } from '../password/password-hash-params';
import { configObject, secretText, serviceUrl, template, timeoutMs } from '../config/common';
import { guardedServiceUrl } from '../config/field-markers';
import { defineProvider } from './provider';

/**
 * LDAP (SPEC 9): find the entry with `filter` under `baseDn`, then either bind as it with the
 * client's password (`bind`) or compare the password with a hash attribute (`hash`).
 */
export const ldapConfigSchema = configObject('ldap', {
  url: guardedServiceUrl(serviceUrl('url', ['ldap', 'ldaps'])),
  baseDn: template('baseDn', 1024).pipe(z.string().min(1, { error: 'baseDn must not be empty' })),
  filter: template('filter', 1024).refine((f) => /^\(.*\)$/s.test(f.trim()), { error: 'filter must be an LDAP filter in parentheses, e.g. (uid=${username})' }),
  method: z.enum(['bind', 'hash'], { error: 'method must be bind or hash' }).default('bind'),
  /** The service account that searches; anonymous search when omitted. */
  bindDn: z.string().min(1).max(1024).optional(),
  bindPassword: secretText('bindPassword').optional(),
  /**
   * `hash` method: the attribute holding the password. `{SCHEME}` values ({SSHA}, {SHA512},
   * {CRYPT} bcrypt, {ARGON2}, {PBKDF2-SHA256}…) describe themselves; `passwordHash` judges
   * values without a scheme (plain text when omitted).
   */
  passwordAttribute: z.string().min(1).max(256).default('userPassword'),
  passwordHash: passwordHashParamsSchema.optional(),
  isSuperuserAttribute: z.string().min(1).max(256).optional(),
  timeoutMs,
}).superRefine((config, ctx) => {
  if (config.bindPassword !== undefined && config.bindDn === undefined) {
    ctx.addIssue({ code: 'custom', path: ['bindDn'], message: 'bindPassword needs bindDn' });
  }
});

export type LdapConfig = z.output<typeof ldapConfigSchema>;

export const ldapProvider = defineProvider({
  type: 'ldap',
  method: 'ldap',
  perChain: 'many',
  config: ldapConfigSchema,
});
