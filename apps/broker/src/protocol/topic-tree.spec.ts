import { describe, expect, it } from 'vitest';
import { Session, type Subscription } from './session-store';
import { TopicTree, type SharedGroup } from './topic-tree';

function subscription(clientId: string, filter: string, shareGroup?: string): Subscription {
  return { session: new Session(clientId), key: filter, filter, shareGroup, qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 };
}

function matches(tree: TopicTree, topic: string): string[] {
  const out: Subscription[] = [];
  const groups: SharedGroup[] = [];
  tree.match(topic.split('/'), out, groups);
  return out.map((s) => s.filter).sort();
}

describe('TopicTree', () => {
  const filters = ['sport/tennis/player1', 'sport/tennis/+', 'sport/#', '#', '+/+', '+', '/+', 'sport/+/player1', '$SYS/#', '$SYS/+', 'sport/tennis/player1/#'];
  const tree = new TopicTree();
  filters.forEach((filter, i) => tree.add(subscription(`c${i}`, filter)));

  it.each([
    ['sport/tennis/player1', ['#', 'sport/#', 'sport/+/player1', 'sport/tennis/+', 'sport/tennis/player1', 'sport/tennis/player1/#']],
    ['sport', ['#', '+', 'sport/#']],
    ['sport/', ['#', '+/+', 'sport/#']],
    ['/finance', ['#', '+/+', '/+']],
    ['$SYS/broker', ['$SYS/#', '$SYS/+']],
    ['$SYS', ['$SYS/#']],
  ])('%s matches exactly the right filters [MQTT-4.7.1-2] [MQTT-4.7.2-1]', (topic, expected) => {
    expect(matches(tree, topic)).toEqual([...expected].sort());
  });

  it('removes subscriptions and prunes empty branches', () => {
    const t = new TopicTree();
    const a = subscription('a', 'x/y/z');
    const b = subscription('b', 'x/#');
    t.add(a);
    t.add(b);
    t.remove(a);
    expect(matches(t, 'x/y/z')).toEqual(['x/#']);
    t.remove(b);
    expect(matches(t, 'x/y/z')).toEqual([]);
  });

  it('keeps one subscription per client per filter (a new one replaces it)', () => {
    const t = new TopicTree();
    const session = new Session('same');
    t.add({ ...subscription('same', 'a'), session, qos: 0 });
    t.add({ ...subscription('same', 'a'), session, qos: 1 });
    const out: Subscription[] = [];
    t.match(['a'], out, []);
    expect(out.map((s) => s.qos)).toEqual([1]);
  });

  it('collects shared groups separately, one group per name', () => {
    const t = new TopicTree();
    t.add(subscription('a', 'j/+', 'g1'));
    t.add(subscription('b', 'j/+', 'g1'));
    t.add(subscription('c', 'j/+', 'g2'));
    const out: Subscription[] = [];
    const groups: SharedGroup[] = [];
    t.match(['j', 'x'], out, groups);
    expect(out).toEqual([]);
    expect(groups.map((g) => [g.name, g.members.length])).toEqual([['g1', 2], ['g2', 1]]);
  });
});
