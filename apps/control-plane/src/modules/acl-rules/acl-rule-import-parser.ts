import { aclRuleSchema, type AclRule } from '@mqc/auth';
import { jsonArrayElementLines, readCsvRecords, type RowProblem } from '../users/user-import-parser';

/**
 * `POST /v1/instances/{id}/acl-rules/import`: CSV with a header line naming the columns
 * `permission,action,topic,qos,retain,clientId,username` (the first three required, the others
 * optional, any order; an empty cell leaves the field out; qos lists levels as `0|1`), or a JSON
 * array of rule bodies. Problems carry the line as the user sees it in the file (the header is
 * line 1), each field by its column name.
 */
export interface ImportedRule {
  line: number;
  rule: AclRule;
}

export const ACL_IMPORT_COLUMNS = ['permission', 'action', 'topic', 'qos', 'retain', 'clientId', 'username'] as const;
const REQUIRED = ['permission', 'action', 'topic'];
const BY_LOWER = new Map<string, string>(ACL_IMPORT_COLUMNS.map((c) => [c.toLowerCase(), c]));

/** One rule's values checked by the rule schema; problems name the column. */
function readRule(line: number, values: unknown, problems: RowProblem[]): ImportedRule | undefined {
  const parsed = aclRuleSchema.safeParse(values);
  if (parsed.success) return { line, rule: parsed.data };
  for (const issue of parsed.error.issues) problems.push({ line, field: issue.path.map(String).join('.') || '(row)', message: issue.message });
  return undefined;
}

const CSV_QOS_PROBLEM = 'qos must list levels 0, 1 or 2 separated by | (like 0|1), or be empty for all';

/** A CSV qos cell: `0|1|2` (or one level); undefined when it is not such a list. */
function qosCell(text: string): number[] | undefined {
  const levels = text.split('|').map((l) => l.trim());
  return levels.every((l) => /^[0-2]$/.test(l)) ? levels.map(Number) : undefined;
}

function retainCell(text: string): unknown {
  const lower = text.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  return text;
}

function checkColumns(columns: string[]): string | undefined {
  const expected = ACL_IMPORT_COLUMNS.join(',');
  const unknown = columns.filter((c) => !BY_LOWER.has(c.toLowerCase()));
  const names = columns.map((c) => BY_LOWER.get(c.toLowerCase()) ?? c);
  const missing = REQUIRED.filter((c) => !names.includes(c));
  const twice = names.filter((c, i) => names.indexOf(c) !== i);
  if (missing.length > 0) return `missing column(s) ${missing.join(', ')}; a rule file has the columns ${expected}`;
  if (unknown.length > 0) return `unknown column(s) ${unknown.join(', ')}; a rule file has the columns ${expected}`;
  if (twice.length > 0) return `column(s) named twice: ${twice.join(', ')}`;
  return undefined;
}

export function parseCsvRules(text: string): { rules: ImportedRule[]; problems: RowProblem[] } {
  const { records, problems } = readCsvRecords(text);
  const [header, ...data] = records;
  if (!header) {
    if (problems.length === 0) problems.push({ line: 1, field: '(header)', message: `the file is empty; the first line names the columns (${ACL_IMPORT_COLUMNS.join(',')})` });
    return { rules: [], problems };
  }
  const raw = header.fields.map((f) => f.trim());
  const columnProblem = checkColumns(raw);
  if (columnProblem) return { rules: [], problems: [...problems, { line: header.line, field: '(header)', message: columnProblem }] };
  const columns = raw.map((c) => BY_LOWER.get(c.toLowerCase()) as string);
  const rules: ImportedRule[] = [];
  for (const record of data) {
    if (record.fields.length !== columns.length) {
      problems.push({ line: record.line, field: '(row)', message: `has ${record.fields.length} field(s); the header names ${columns.length}` });
      continue;
    }
    const values: Record<string, unknown> = {};
    const before = problems.length;
    columns.forEach((column, i) => {
      const cell = record.fields[i] ?? '';
      if (cell === '' && !REQUIRED.includes(column)) return;
      if (column !== 'qos') values[column] = column === 'retain' ? retainCell(cell) : cell;
      else if (qosCell(cell)) values[column] = qosCell(cell);
      else problems.push({ line: record.line, field: 'qos', message: CSV_QOS_PROBLEM });
    });
    const rule = readRule(record.line, values, problems);
    if (rule && problems.length === before) rules.push(rule);
  }
  if (data.length === 0 && problems.length === 0) problems.push({ line: header.line, field: '(body)', message: 'the file has no rules' });
  return { rules, problems };
}

export function parseJsonRules(body: unknown, rawText?: string): { rules: ImportedRule[]; problems: RowProblem[] } {
  if (!Array.isArray(body)) return { rules: [], problems: [{ line: 1, field: '(body)', message: 'must be a JSON array of rules' }] };
  const lines = rawText === undefined ? [] : jsonArrayElementLines(rawText);
  const problems: RowProblem[] = [];
  const rules: ImportedRule[] = [];
  body.forEach((item: unknown, index) => {
    const rule = readRule(lines[index] ?? index + 1, item, problems);
    if (rule) rules.push(rule);
  });
  if (body.length === 0) problems.push({ line: 1, field: '(body)', message: 'the file has no rules' });
  return { rules, problems };
}
