import type { ConnectCredentials } from '../chain/authenticator';
import { PLACEHOLDERS, type Placeholder, refuseProblem, selectQuery } from '../config/common';
import { placeholderValues } from '../placeholders';

export type SqlDialect = 'postgresql' | 'mysql';

/** A query template made ready for its driver: placeholders became bound parameters. */
export interface CompiledSql {
  /** The statement with `$1…` (PostgreSQL) or `?` (MySQL) where the placeholders were. */
  text: string;
  /** The placeholder behind each parameter, in order. */
  parameters: Placeholder[];
}

export class SqlTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlTemplateError';
  }
}

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** Where a quoted run or comment that starts at `i` ends (the index after it), or undefined. */
function skipQuotedOrComment(sql: string, i: number, dialect: SqlDialect): { end: number; what: string } | undefined {
  const c = sql[i];
  const next = sql[i + 1];
  if (c === "'" || c === '"' || (c === '`' && dialect === 'mysql')) {
    let j = i + 1;
    while (j < sql.length) {
      // MySQL strings know backslash escapes; both dialects double the quote.
      if (dialect === 'mysql' && sql[j] === '\\') j += 2;
      else if (sql[j] === c && sql[j + 1] === c) j += 2;
      else if (sql[j] === c) return { end: j + 1, what: c === "'" ? 'a quoted string' : 'a quoted name' };
      else j++;
    }
    throw new SqlTemplateError(`unterminated ${c} quote`);
  }
  if ((c === '-' && next === '-') || (c === '#' && dialect === 'mysql')) {
    const end = sql.indexOf('\n', i);
    return { end: end < 0 ? sql.length : end + 1, what: 'a comment' };
  }
  if (c === '/' && next === '*') {
    const end = sql.indexOf('*/', i + 2);
    if (end < 0) throw new SqlTemplateError('unterminated /* comment');
    return { end: end + 2, what: 'a comment' };
  }
  if (c === '$' && dialect === 'postgresql') {
    // PostgreSQL dollar quoting: $$…$$ or $tag$…$tag$.
    const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
    if (tag) {
      const end = sql.indexOf(tag[0], i + tag[0].length);
      if (end < 0) throw new SqlTemplateError(`unterminated ${tag[0]} quote`);
      return { end: end + tag[0].length, what: 'a dollar-quoted string' };
    }
  }
  return undefined;
}

const PLACEHOLDER_AT = /^\$\{([^}]*)\}/;

/**
 * Turns `${username}`… into the driver's bound parameters (SPEC 4: in database queries they
 * are bound, never spliced into the text). A placeholder inside quotes or a comment would be
 * sent as literal text, so it is refused, as are the driver's own parameter markers (`$1`,
 * `?`) written by hand, which would take the bound values in the wrong order.
 */
export function compileSqlTemplate(template: string, dialect: SqlDialect): CompiledSql {
  const parameters: Placeholder[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const placeholder = template[i] === '$' ? PLACEHOLDER_AT.exec(template.slice(i)) : null;
    if (placeholder) {
      const name = placeholder[1] ?? '';
      if (!isPlaceholder(name)) throw new SqlTemplateError(`unknown placeholder \${${name}}`);
      if (dialect === 'postgresql') {
        // The same placeholder twice is the same parameter.
        let index = parameters.indexOf(name);
        if (index < 0) index = parameters.push(name) - 1;
        text += `$${index + 1}`;
      } else {
        parameters.push(name);
        text += '?';
      }
      i += placeholder[0].length;
      continue;
    }
    const quoted = skipQuotedOrComment(template, i, dialect);
    if (quoted) {
      const run = template.slice(i, quoted.end);
      const inside = /\$\{([^}]*)\}/.exec(run);
      if (inside) {
        throw new SqlTemplateError(`\${${inside[1] ?? ''}} sits inside ${quoted.what}; write it without quotes: placeholders are bound as parameters`);
      }
      text += run;
      i = quoted.end;
      continue;
    }
    const c = template[i] ?? '';
    if (dialect === 'postgresql' && c === '$' && /^\$\d/.test(template.slice(i))) {
      throw new SqlTemplateError('write placeholders such as ${username}, not positional parameters like $1');
    }
    if (dialect === 'mysql' && c === '?') throw new SqlTemplateError('write placeholders such as ${username}, not ? parameters');
    text += c;
    i++;
  }
  return { text, parameters };
}

/** Why a template cannot be compiled, or undefined (for configuration-time validation). */
export function sqlTemplateProblem(template: string, dialect: SqlDialect): string | undefined {
  try {
    compileSqlTemplate(template, dialect);
    return undefined;
  } catch (error) {
    if (error instanceof SqlTemplateError) return error.message;
    throw error;
  }
}

/** The values bound to a compiled query, or undefined when the client lacks one of them. */
export function boundValues(query: CompiledSql, credentials: ConnectCredentials): string[] | undefined {
  const values = placeholderValues(credentials);
  const bound: string[] = [];
  for (const name of query.parameters) {
    const value = values[name];
    if (value === undefined) return undefined;
    bound.push(value);
  }
  return bound;
}

/** The `query` field of a SQL provider: one SELECT whose placeholders `dialect` can bind. */
export function sqlQueryField(dialect: SqlDialect, known: readonly string[] = PLACEHOLDERS) {
  return selectQuery('query', known).superRefine(refuseProblem((query: string) => sqlTemplateProblem(query, dialect)));
}
