/**
 * Topic matching of the authorization engine. A rule's filter is kept split in levels; the
 * request (a topic name, or a filter for SUBSCRIBE) is walked in place, so a check allocates
 * nothing and compiles no regular expression.
 */

const SLASH = 0x2f;
const DOLLAR = 0x24;
const HASH = 0x23;
const PLUS = 0x2b;

const SHARE_PREFIX = '$share/';

/**
 * True when the rule filter (split in levels) covers every topic the request covers. For a
 * topic name this is ordinary MQTT matching; for a filter it is filter-contains-filter, as
 * EMQX: `a/#` covers `a/+/b` and `a/#`; `a/+` covers `a/b` and `a/+` but not `a/#`; a literal
 * level covers only itself (never a wildcard in the request). A rule level `#` also covers the
 * parent level (`a/#` covers `a`) [MQTT-4.7.1-2]. A rule starting with `+` or `#` does not
 * cover a request starting with `$` (`$SYS/…`) [MQTT-4.7.2-1].
 */
export function filterCovers(ruleLevels: readonly string[], request: string): boolean {
  const startsWithDollar = request.charCodeAt(0) === DOLLAR;
  const length = request.length;
  let pos = 0; // where the request's next level starts; past `length` when it has no more
  for (let i = 0; i < ruleLevels.length; i++) {
    const level = ruleLevels[i] as string;
    const n = level.length;
    if (n === 1 && level.charCodeAt(0) === HASH) return !(i === 0 && startsWithDollar);
    if (pos > length) return false; // the request has fewer levels
    if (n === 1 && level.charCodeAt(0) === PLUS) {
      if (i === 0 && startsWithDollar) return false;
      let end = pos;
      while (end < length && request.charCodeAt(end) !== SLASH) end++;
      if (end - pos === 1 && request.charCodeAt(pos) === HASH) return false; // `+` does not cover `#`
      pos = end + 1;
      continue;
    }
    // A literal level: the same characters, then the end of the request or a `/`.
    if (pos + n > length) return false;
    for (let k = 0; k < n; k++) if (request.charCodeAt(pos + k) !== level.charCodeAt(k)) return false;
    pos += n;
    if (pos < length && request.charCodeAt(pos) !== SLASH) return false;
    pos++;
  }
  return pos > length; // every level of the request was covered
}

/** The filter a SUBSCRIBE is checked with: `$share/{group}/{filter}` → `{filter}` (MQTT 5.0 4.8.2). */
export function unsharedFilter(filter: string): string {
  if (filter.charCodeAt(0) !== DOLLAR || !filter.startsWith(SHARE_PREFIX)) return filter; // every delivery asks: most topics fail the first test
  const slash = filter.indexOf('/', SHARE_PREFIX.length);
  return slash > SHARE_PREFIX.length ? filter.slice(slash + 1) : filter;
}

/** A topic level a placeholder value may fill: not empty, no `/`, `+` or `#` (never widens). */
export function isSafeLevelValue(value: string | undefined): value is string {
  if (value === undefined || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === SLASH || code === HASH || code === PLUS || code === 0) return false;
  }
  return true;
}
