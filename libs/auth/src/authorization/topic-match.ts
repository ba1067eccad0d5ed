/**
 * Topic matching of the authorization engine. A rule's filter is kept split in levels; the
 * request (a topic name, or a filter for SUBSCRIBE) is walked in place, so a check allocates
 * nothing and compiles no regular expression.
 */

const SLASH = 0x2f;
const DOLLAR = 0x24;
const HASH = 0x23;

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
  let pos = 0;
  for (let i = 0; i < ruleLevels.length; i++) {
    const level = ruleLevels[i] as string;
    if (level === '#') return !(i === 0 && startsWithDollar);
    if (pos > request.length) return false; // the request has fewer levels
    let end = request.indexOf('/', pos);
    if (end === -1) end = request.length;
    if (level === '+') {
      if (i === 0 && startsWithDollar) return false;
      if (end - pos === 1 && request.charCodeAt(pos) === HASH) return false; // `+` does not cover `#`
    } else if (end - pos !== level.length || !request.startsWith(level, pos)) {
      return false;
    }
    pos = end + 1;
  }
  return pos > request.length; // every level of the request was covered
}

/** The filter a SUBSCRIBE is checked with: `$share/{group}/{filter}` → `{filter}` (MQTT 5.0 4.8.2). */
export function unsharedFilter(filter: string): string {
  if (!filter.startsWith(SHARE_PREFIX)) return filter;
  const slash = filter.indexOf('/', SHARE_PREFIX.length);
  return slash > SHARE_PREFIX.length ? filter.slice(slash + 1) : filter;
}

/** A topic level a placeholder value may fill: not empty, no `/`, `+` or `#` (never widens). */
export function isSafeLevelValue(value: string | undefined): value is string {
  if (value === undefined || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === SLASH || code === HASH || code === 0x2b || code === 0) return false;
  }
  return true;
}
