import { describe, expect, it } from 'vitest';
import { listenerFailureReason, nodeServes } from './instance';

describe('nodeServes', () => {
  it('keeps serving the served statuses, and retrying an instance FAILED because its listeners could not open', () => {
    for (const status of ['PROVISIONING', 'RUNNING', 'UPDATING'] as const) expect(nodeServes({ status, listenersFailed: false })).toBe(true);
    expect(nodeServes({ status: 'FAILED', listenersFailed: true })).toBe(true);
  });

  it('leaves an instance FAILED for another reason, deleting or deleted', () => {
    expect(nodeServes({ status: 'FAILED', listenersFailed: false })).toBe(false);
    expect(nodeServes({ status: 'DELETING', listenersFailed: true })).toBe(false);
    expect(nodeServes({ status: 'DELETED', listenersFailed: false })).toBe(false);
  });
});

describe('listenerFailureReason', () => {
  it('tells the tenant the node could not open the listeners, and why', () => {
    expect(listenerFailureReason(new Error('listen EADDRINUSE: address already in use 127.0.0.1:18830'))).toBe(
      'the broker node could not open the listeners: listen EADDRINUSE: address already in use 127.0.0.1:18830',
    );
  });
});
