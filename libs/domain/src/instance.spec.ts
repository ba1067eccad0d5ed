import { describe, expect, it } from 'vitest';
import { LISTENER_FAILURE, nodeServes } from './instance';

describe('nodeServes', () => {
  it('keeps serving the served statuses, and retrying an instance FAILED because its listeners could not open', () => {
    for (const status of ['PROVISIONING', 'RUNNING', 'UPDATING'] as const) expect(nodeServes({ status, statusReason: null })).toBe(true);
    expect(nodeServes({ status: 'FAILED', statusReason: `${LISTENER_FAILURE} listen EADDRINUSE: address already in use 127.0.0.1:18830` })).toBe(true);
  });

  it('leaves an instance FAILED for another reason, deleting or deleted', () => {
    expect(nodeServes({ status: 'FAILED', statusReason: 'timed out waiting for node n to serve instance i' })).toBe(false);
    expect(nodeServes({ status: 'FAILED', statusReason: null })).toBe(false);
    expect(nodeServes({ status: 'DELETING', statusReason: `${LISTENER_FAILURE} listen EADDRINUSE` })).toBe(false);
    expect(nodeServes({ status: 'DELETED', statusReason: null })).toBe(false);
  });
});
