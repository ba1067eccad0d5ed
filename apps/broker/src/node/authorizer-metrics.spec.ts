import { describe, expect, it } from 'vitest';
import type { AuthorizationSource } from '@mqc/auth';
import { AuthorizerMetrics } from './authorizer-metrics';

const source = (id: string): AuthorizationSource => ({ id, type: 'built-in-database', sync: true, check: () => ({ kind: 'no-match' }) });

describe('AuthorizerMetrics', () => {
  it('counts per authorizer, and a period drained is not counted into again', () => {
    const metrics = new AuthorizerMetrics();
    const [a, b] = [source('a'), source('b')];
    metrics.result(a, 'allow');
    metrics.result(a, 'deny');
    metrics.result(b, 'no-match');
    metrics.result(a, 'allow');
    const first = metrics.drain();
    expect(first.get('a')).toMatchObject({ total: 3, allow: 2, deny: 1 });
    expect(first.get('b')).toMatchObject({ total: 1, noMatch: 1 });
    metrics.result(a, 'error');
    expect(first.get('a')).toMatchObject({ total: 3, error: 0 });
    expect(metrics.drain().get('a')).toMatchObject({ total: 1, error: 1, allow: 0 });
  });
});
