/**
 * Client values rendered into LDAP templates are escaped, never spliced as syntax: a user name
 * `*)(uid=*` must search for that literal name.
 */

/** RFC 4515 section 3: `*`, `(`, `)`, `\` and NUL in an assertion value become `\XX`. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * RFC 4514 section 2.4: in an attribute value of a DN, `"`, `+`, `,`, `;`, `<`, `>`, `\`,
 * `=` are escaped with a backslash, as are a leading `#` or space and a trailing space; NUL
 * becomes `\00`.
 */
export function escapeDnValue(value: string): string {
  let escaped = value.replace(/["+,;<>\\=]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (escaped.startsWith('#') || escaped.startsWith(' ')) escaped = `\\${escaped}`;
  if (escaped.endsWith(' ') && !escaped.endsWith('\\ ')) escaped = `${escaped.slice(0, -1)}\\ `;
  return escaped;
}
