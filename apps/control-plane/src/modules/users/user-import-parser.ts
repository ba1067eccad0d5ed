import { parseSelfDescribingHash, type PasswordHashParams } from '@mqc/auth';

/**
 * Bulk import files (SPEC 4.1): CSV with a header line, or a JSON array of objects, with the
 * columns `user_id,password,is_superuser` (type=plain) or `user_id,password_hash,salt,is_superuser`
 * (type=hash). Problems carry the line as the user sees it in the file (the header is line 1).
 */
export type ImportType = 'plain' | 'hash';

export interface ImportRow {
  line: number;
  userId: string;
  /** type=plain */
  password?: string;
  /** type=hash */
  passwordHash?: string;
  salt: string;
  isSuperuser: boolean;
}

export interface RowProblem {
  line: number;
  field: string;
  message: string;
}

const COLUMNS: Readonly<Record<ImportType, { required: string[]; optional: string[] }>> = {
  plain: { required: ['user_id', 'password'], optional: ['is_superuser'] },
  hash: { required: ['user_id', 'password_hash'], optional: ['salt', 'is_superuser'] },
};

const MAX_USER_ID = 256;
const MAX_SECRET = 1024;

interface CsvRecord {
  line: number;
  fields: string[];
}

/** RFC 4180 records with the line each starts on; quoted fields may span lines. */
export function readCsvRecords(text: string): { records: CsvRecord[]; problems: RowProblem[] } {
  const records: CsvRecord[] = [];
  const problems: RowProblem[] = [];
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let broken = false;
    for (;;) {
      if (text[i] === '"') {
        // A quoted field: "" is a quote; it ends at a lone quote.
        i++;
        let closed = false;
        while (i < text.length) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) {
          problems.push({ line: start, field: '(row)', message: 'a quoted field is not closed' });
          return { records, problems };
        }
        if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (!broken) problems.push({ line, field: '(row)', message: 'unexpected text after a closing quote' });
          broken = true;
        }
      }
      while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      fields.push(field);
      field = '';
      if (i >= text.length) break;
      if (text[i] === ',') {
        i++;
        continue;
      }
      // End of the record: \n, \r\n or a lone \r.
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    const blank = fields.length === 1 && fields[0] === '';
    if (!blank && !broken) records.push({ line: start, fields });
  }
  return { records, problems };
}

/**
 * The line (1-based) on which each element of a top-level JSON array starts, read from the
 * text the parsed body came from; what JSON.parse does not say.
 */
export function jsonArrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '\n') {
      line++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\ufeff') continue;
    if (expectElement && depth === 1 && c !== ']') lines.push(line);
    expectElement = false;
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1 && c === '[') expectElement = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectElement = true;
  }
  return lines;
}

function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === undefined || value === null) return false;
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  return undefined;
}

/** Checks one row's values; `values` maps column names to what the file holds. */
function readRow(type: ImportType, line: number, values: Record<string, unknown>, problems: RowProblem[]): ImportRow | undefined {
  const before = problems.length;
  const text = (column: string, max: number, required: boolean): string => {
    const value = values[column];
    if (value === undefined || value === null) {
      if (required) problems.push({ line, field: column, message: 'is missing' });
      return '';
    }
    if (typeof value !== 'string') {
      problems.push({ line, field: column, message: 'must be a string' });
      return '';
    }
    if (required && value === '') problems.push({ line, field: column, message: 'must not be empty' });
    else if (value.length > max) problems.push({ line, field: column, message: `must be at most ${max} characters` });
    return value;
  };
  const userId = text('user_id', MAX_USER_ID, true);
  const secret = type === 'plain' ? text('password', MAX_SECRET, true) : text('password_hash', MAX_SECRET, true);
  const salt = type === 'hash' ? text('salt', MAX_SECRET, false) : '';
  const isSuperuser = parseBoolean(values['is_superuser']);
  if (isSuperuser === undefined) problems.push({ line, field: 'is_superuser', message: 'must be true, false, 1, 0 or empty' });
  if (problems.length > before) return undefined;
  return type === 'plain'
    ? { line, userId, password: secret, salt: '', isSuperuser: isSuperuser ?? false }
    : { line, userId, passwordHash: secret, salt, isSuperuser: isSuperuser ?? false };
}

function checkColumns(type: ImportType, columns: string[]): string | undefined {
  const { required, optional } = COLUMNS[type];
  const unknown = columns.filter((c) => !required.includes(c) && !optional.includes(c));
  const missing = required.filter((c) => !columns.includes(c));
  const twice = columns.filter((c, i) => columns.indexOf(c) !== i);
  const expected = [...required, ...optional].join(',');
  if (missing.length > 0) {
    const hint = type === 'plain' && columns.includes('password_hash') ? ' (use type=hash for hashed passwords)' : type === 'hash' && columns.includes('password') ? ' (use type=plain for passwords in clear)' : '';
    return `missing column(s) ${missing.join(', ')}; a type=${type} file has the columns ${expected}${hint}`;
  }
  if (unknown.length > 0) return `unknown column(s) ${unknown.join(', ')}; a type=${type} file has the columns ${expected}`;
  if (twice.length > 0) return `column(s) named twice: ${twice.join(', ')}`;
  return undefined;
}

export function parseCsvImport(type: ImportType, text: string): { rows: ImportRow[]; problems: RowProblem[] } {
  const { records, problems } = readCsvRecords(text);
  const [header, ...data] = records;
  if (!header) {
    if (problems.length === 0) problems.push({ line: 1, field: '(header)', message: `the file is empty; the first line names the columns (${[...COLUMNS[type].required, ...COLUMNS[type].optional].join(',')})` });
    return { rows: [], problems };
  }
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  const columnProblem = checkColumns(type, columns);
  if (columnProblem) return { rows: [], problems: [...problems, { line: header.line, field: '(header)', message: columnProblem }] };
  const rows: ImportRow[] = [];
  for (const record of data) {
    if (record.fields.length !== columns.length) {
      problems.push({ line: record.line, field: '(row)', message: `has ${record.fields.length} field(s); the header names ${columns.length}` });
      continue;
    }
    const values: Record<string, string> = {};
    columns.forEach((column, i) => (values[column] = record.fields[i] ?? ''));
    const row = readRow(type, record.line, values, problems);
    if (row) rows.push(row);
  }
  if (data.length === 0 && problems.length === 0) problems.push({ line: header.line, field: '(body)', message: 'the file has no users' });
  return { rows, problems };
}

export function parseJsonImport(type: ImportType, body: unknown, rawText?: string): { rows: ImportRow[]; problems: RowProblem[] } {
  if (!Array.isArray(body)) return { rows: [], problems: [{ line: 1, field: '(body)', message: 'must be a JSON array of users' }] };
  const lines = rawText === undefined ? [] : jsonArrayElementLines(rawText);
  const { required, optional } = COLUMNS[type];
  const problems: RowProblem[] = [];
  const rows: ImportRow[] = [];
  body.forEach((item: unknown, index) => {
    const line = lines[index] ?? index + 1;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push({ line, field: '(row)', message: 'must be an object' });
      return;
    }
    const unknown = Object.keys(item).filter((k) => !required.includes(k) && !optional.includes(k));
    if (unknown.length > 0) {
      problems.push({ line, field: unknown[0] ?? '(row)', message: `unknown key(s) ${unknown.join(', ')}; a type=${type} user has ${[...required, ...optional].join(', ')}` });
      return;
    }
    const row = readRow(type, line, item as Record<string, unknown>, problems);
    if (row) rows.push(row);
  });
  if (body.length === 0) problems.push({ line: 1, field: '(body)', message: 'the file has no users' });
  return { rows, problems };
}

/** A user id given twice in one file is refused at its second line. */
export function findDuplicates(rows: readonly ImportRow[]): RowProblem[] {
  const first = new Map<string, number>();
  const problems: RowProblem[] = [];
  for (const row of rows) {
    const seen = first.get(row.userId);
    if (seen === undefined) first.set(row.userId, row.line);
    else problems.push({ line: row.line, field: 'user_id', message: `${row.userId} is already on line ${seen}` });
  }
  return problems;
}

const HEX_LENGTH: Readonly<Record<string, number>> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };
const DIGEST_BYTES: Readonly<Record<string, number>> = { sha1: 20, sha256: 32, sha512: 64 };

/**
 * The algorithm an imported hash was made with: its own when it is self-describing ($2b$…,
 * $pbkdf2-sha256$…, $argon2id$…), else the instance's; a hash that cannot be one of these is
 * a problem.
 */
export function importedHashParams(hash: string, preferred: PasswordHashParams): { params: PasswordHashParams; selfDescribing: boolean } | { problem: string } {
  const described = parseSelfDescribingHash(hash);
  if (described) return { params: described.params, selfDescribing: true };
  if (hash.startsWith('$')) {
    return { problem: 'looks like a self-describing hash but is not a bcrypt, pbkdf2 or argon2id hash within the allowed parameters' };
  }
  switch (preferred.name) {
    case 'plain':
      return { params: preferred, selfDescribing: false };
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512': {
      const length = HEX_LENGTH[preferred.name];
      if (!/^[0-9a-fA-F]+$/.test(hash) || hash.length !== length) return { problem: `must be a ${preferred.name} hash: ${length} hex digits` };
      return { params: preferred, selfDescribing: false };
    }
    case 'pbkdf2': {
      const length = 2 * (preferred.keyLength ?? DIGEST_BYTES[preferred.macFun] ?? 32);
      if (!/^[0-9a-fA-F]+$/.test(hash) || hash.length !== length) return { problem: `must be a pbkdf2 hash: ${length} hex digits, or a $pbkdf2-…$ string` };
      return { params: preferred, selfDescribing: false };
    }
    case 'bcrypt':
      return { problem: 'must be a bcrypt hash ($2a$, $2b$ or $2y$)' };
    case 'argon2id':
      return { problem: 'must be an argon2id hash ($argon2id$…)' };
  }
}
