import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ValidationError, type FieldProblem } from './domain-errors';

const NUL = '\u0000';
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problemOf(text: string): string | undefined {
  if (text.includes(NUL)) return 'must not contain a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode: it contains a lone UTF-16 surrogate';
  return undefined;
}

/** Every string of a value (keys too), with the path that names it. */
function findProblems(value: unknown, path: string[], found: FieldProblem[]): void {
  const field = () => path.join('.') || '(body)';
  if (typeof value === 'string') {
    const message = problemOf(value);
    if (message) found.push({ field: field(), message });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => findProblems(item, [...path, String(index)], found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = problemOf(key);
      if (keyProblem) found.push({ field: field(), message: `a key ${keyProblem}` });
      else findProblems(item, [...path, key], found);
    }
  }
}

/**
 * Text PostgreSQL cannot store (NUL) or that is not Unicode (a lone surrogate, which JSON
 * escapes can carry) is refused where it enters: any path parameter, query parameter or body
 * field holding it is a 422 naming the field, before a handler or the database sees it.
 */
@Injectable()
export class TextInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' && metadata.type !== 'query' && metadata.type !== 'param') return value;
    const found: FieldProblem[] = [];
    findProblems(value, metadata.data ? [metadata.data] : [], found);
    if (found.length > 0) throw new ValidationError(found);
    return value;
  }
}
