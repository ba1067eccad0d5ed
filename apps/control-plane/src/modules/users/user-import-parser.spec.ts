import { describe, expect, it } from 'vitest';
import { findDuplicates, importedHashParams, jsonArrayElementLines, parseCsvImport, readCsvRecords } from './user-import-parser';

describe('readCsvRecords', () => {
  it('reads quoted fields, doubled quotes, CRLF and records spanning lines, each with its first line', () => {
    const { records, problems } = readCsvRecords('\ufeffa,b\r\n"x,1","say ""hi"""\n\n"multi\nline",z\nlast,');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x,1', 'say "hi"'] },
      { line: 4, fields: ['multi\nline', 'z'] },
      { line: 6, fields: ['last', ''] },
    ]);
  });

  it('reports an unclosed quote at the line its record starts on', () => {
    expect(readCsvRecords('a,b\n"open,x\ny,z').problems).toEqual([{ line: 2, field: '(row)', message: 'a quoted field is not closed' }]);
  });
});

describe('parseCsvImport', () => {
  it('accepts the columns in any order and in any case, and optional columns left out', () => {
    const { rows, problems } = parseCsvImport('hash', 'SALT,User_Id,password_hash\ns,u,h');
    expect(problems).toEqual([]);
    expect(rows).toEqual([{ line: 2, userId: 'u', passwordHash: 'h', salt: 's', isSuperuser: false }]);
  });

  it('refuses unknown and repeated columns', () => {
    expect(parseCsvImport('plain', 'user_id,password,role\na,b,c').problems[0]?.message).toMatch(/unknown column\(s\) role/);
    expect(parseCsvImport('plain', 'user_id,password,password\na,b,c').problems[0]?.message).toMatch(/named twice: password/);
  });
});

describe('jsonArrayElementLines', () => {
  it('gives the line each top-level element starts on, ignoring brackets and newlines inside strings', () => {
    const text = '[\n  {"a": "x]\\"y"},\n\n  {"b": [1,\n 2]},\n  "s", 3\n]';
    expect(jsonArrayElementLines(text)).toEqual([2, 4, 6, 6]);
    expect(jsonArrayElementLines('[]')).toEqual([]);
    expect(jsonArrayElementLines('[{"a":1},{"a":2}]')).toEqual([1, 1]);
  });
});

describe('findDuplicates', () => {
  it('reports the second and later lines of a user id', () => {
    const row = (line: number, userId: string) => ({ line, userId, salt: '', isSuperuser: false });
    expect(findDuplicates([row(2, 'a'), row(3, 'b'), row(4, 'a'), row(5, 'a')])).toEqual([
      { line: 4, field: 'user_id', message: 'a is already on line 2' },
      { line: 5, field: 'user_id', message: 'a is already on line 2' },
    ]);
  });
});

describe('importedHashParams', () => {
  it('takes a self-describing hash as its own algorithm and checks others against the instance one', () => {
    const bcrypt = '$2b$04$' + 'a'.repeat(53);
    expect(importedHashParams(bcrypt, { name: 'sha256', saltPosition: 'prefix' })).toEqual({ params: { name: 'bcrypt', rounds: 4 }, selfDescribing: true });
    expect(importedHashParams('ab'.repeat(16), { name: 'md5', saltPosition: 'suffix' })).toEqual({ params: { name: 'md5', saltPosition: 'suffix' }, selfDescribing: false });
    expect(importedHashParams('abc', { name: 'md5', saltPosition: 'none' })).toEqual({ problem: 'must be a md5 hash: 32 hex digits' });
    expect(importedHashParams('plain-hash', { name: 'bcrypt' })).toEqual({ problem: 'must be a bcrypt hash ($2a$, $2b$ or $2y$)' });
    expect(importedHashParams('$2b$31$' + 'a'.repeat(53), { name: 'bcrypt' })).toHaveProperty('problem');
  });
});
