import { describe, expect, it } from 'vitest';
import { ACTIVITY_MAX_GAP_SECONDS, carryForward, type ActivityPoint } from './instance-activity-store';

function point(t: number, connections: number, received: number): ActivityPoint {
  return { t, connections, sessions: connections, subscriptions: 0, retainedCount: 0, retainedBytes: 0, received, sent: received, dropped: 0, authenticationAllow: 0, authenticationDeny: 0, authenticationError: 0, authorizationAllow: 0, authorizationDeny: 0 };
}

describe('carryForward', () => {
  it('fills a missing second with the last gauges and zero counts', () => {
    const filled = carryForward([point(100, 2, 5), point(103, 3, 1)], 100, 105, 1);
    expect(filled.map((p) => [p.t, p.connections, p.received, p.sent])).toEqual([
      [100, 2, 5, 5],
      [101, 2, 0, 0],
      [102, 2, 0, 0],
      [103, 3, 1, 1],
      [104, 3, 0, 0],
    ]);
  });

  it('starts from the last point before the window', () => {
    const filled = carryForward([], 200, 203, 1, point(180, 4, 9));
    expect(filled.map((p) => [p.t, p.connections, p.received])).toEqual([
      [200, 4, 0],
      [201, 4, 0],
      [202, 4, 0],
    ]);
  });

  it('makes no points after a gap longer than the keep-alive (nobody served the instance)', () => {
    const filled = carryForward([point(0, 1, 0)], 0, ACTIVITY_MAX_GAP_SECONDS + 10, 1);
    expect(filled.at(-1)!.t).toBe(ACTIVITY_MAX_GAP_SECONDS);
    expect(filled).toHaveLength(ACTIVITY_MAX_GAP_SECONDS + 1);
  });

  it('fills minutes too', () => {
    const filled = carryForward([point(600, 1, 7)], 600, 780, 60);
    expect(filled.map((p) => [p.t, p.received])).toEqual([
      [600, 7],
      [660, 0],
      [720, 0],
    ]);
  });
});
