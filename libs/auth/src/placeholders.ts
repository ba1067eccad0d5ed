import type { ConnectCredentials } from './chain/authenticator';
import { PLACEHOLDERS, type Placeholder } from './config/common';

/**
 * SPEC 4: the values behind `${clientid}`, `${username}`, `${password}`, `${peerhost}`,
 * `${cert_common_name}`, `${cert_subject}` and `${instance_id}` for one CONNECT. A value the
 * client did not present (no username, no certificate) is undefined.
 */
export type PlaceholderValues = Readonly<Record<Placeholder, string | undefined>>;

export function placeholderValues(credentials: ConnectCredentials): PlaceholderValues {
  return {
    clientid: credentials.clientId,
    username: credentials.username,
    password: credentials.password?.toString('utf8'),
    peerhost: credentials.peerHost,
    cert_common_name: credentials.certificate?.commonName,
    cert_subject: credentials.certificate?.subject,
    instance_id: credentials.instanceId,
  };
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/**
 * The template with each known placeholder replaced by its value, passed through `encode`
 * (URL-encoding for a query string, for instance). One pass: a value that itself reads
 * `${password}` is not expanded again. An absent value renders as the empty string; an
 * unknown placeholder (the config schemas refuse them) stays as written. `values` names every
 * placeholder known (PlaceholderValues, or those plus the authorization request's).
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string | undefined>>, encode: (value: string) => string = (v) => v): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? encode(values[name] ?? '') : whole));
}

/** renderTemplate for one client's credentials. */
export function renderPlaceholders(template: string, credentials: ConnectCredentials, encode?: (value: string) => string): string {
  return renderTemplate(template, placeholderValues(credentials), encode);
}

/** The placeholders a template uses whose value the client did not present. */
export function missingPlaceholders(template: string, values: PlaceholderValues): Placeholder[] {
  const missing: Placeholder[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (isPlaceholder(name) && values[name] === undefined && !missing.includes(name)) missing.push(name);
  }
  return missing;
}
