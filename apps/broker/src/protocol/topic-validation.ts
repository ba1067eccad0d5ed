/** Topic name and topic filter rules (MQTT 3.1.1 section 4.7, MQTT 5.0 section 4.7). */

export interface TopicLimits {
  maxTopicLength: number;
  maxTopicLevels: number;
}

const SHARE_PREFIX = '$share/';

function withinLimits(topic: string, limits: TopicLimits): boolean {
  // [MQTT-4.7.3-1] at least one character; [MQTT-1.5.3-2] no U+0000.
  if (topic.length === 0 || topic.includes('\u0000')) return false;
  if (Buffer.byteLength(topic) > limits.maxTopicLength) return false;
  let levels = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 0x2f) levels++;
  return levels <= limits.maxTopicLevels;
}

/** A PUBLISH topic name: no wildcards [MQTT-3.3.2-2]. */
export function isValidTopicName(topic: string, limits: TopicLimits): boolean {
  if (!withinLimits(topic, limits)) return false;
  return !topic.includes('+') && !topic.includes('#');
}

/** A topic filter: `#` only last and alone in its level, `+` alone in its level [MQTT-4.7.1-2], [MQTT-4.7.1-3]. */
export function isValidTopicFilter(filter: string, limits: TopicLimits): boolean {
  if (!withinLimits(filter, limits)) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level === '#') {
      if (i !== levels.length - 1) return false;
    } else if (level === '+') {
      continue;
    } else if (level.includes('#') || level.includes('+')) {
      return false;
    }
  }
  return true;
}

export interface ParsedFilter {
  /** The filter matched against topics (without the `$share/group/` prefix). */
  filter: string;
  shareGroup?: string;
}

/**
 * Splits `$share/{ShareName}/{filter}` (MQTT 5.0 section 4.8.2); returns undefined for an invalid
 * shared filter: the share name is non-empty and holds no `/`, `+` or `#` [MQTT-4.8.2-1], [MQTT-4.8.2-2].
 */
export function parseFilter(raw: string, limits: TopicLimits): ParsedFilter | undefined {
  if (!raw.startsWith(SHARE_PREFIX)) {
    return isValidTopicFilter(raw, limits) ? { filter: raw } : undefined;
  }
  const rest = raw.slice(SHARE_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const group = rest.slice(0, slash);
  if (group.includes('+') || group.includes('#')) return undefined;
  const filter = rest.slice(slash + 1);
  if (!isValidTopicFilter(filter, limits)) return undefined;
  return { filter, shareGroup: group };
}
