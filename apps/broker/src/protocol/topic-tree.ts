import { nodeAt, pathTo, pruneEmpty } from './level-trie';
import type { Subscription } from './session-store';

/** The members of one `$share/{group}/{filter}` subscription, served round-robin. */
export interface SharedGroup {
  readonly name: string;
  readonly members: Subscription[];
  next: number;
}

class TopicNode {
  readonly children = new Map<string, TopicNode>();
  /** Non-shared subscriptions on exactly this filter, one per client id. */
  readonly subscriptions = new Map<string, Subscription>();
  shared: Map<string, SharedGroup> | undefined;

  isEmpty(): boolean {
    return this.children.size === 0 && this.subscriptions.size === 0 && (this.shared === undefined || this.shared.size === 0);
  }
}

function collectNode(node: TopicNode, out: Subscription[], sharedOut: SharedGroup[]): void {
  for (const subscription of node.subscriptions.values()) out.push(subscription);
  if (node.shared !== undefined) for (const group of node.shared.values()) sharedOut.push(group);
}

function collect(node: TopicNode, levels: readonly string[], index: number, out: Subscription[], sharedOut: SharedGroup[]): void {
  if (index === levels.length) {
    collectNode(node, out, sharedOut);
    // "sport/#" also matches "sport" [MQTT-4.7.1-2].
    const hash = node.children.get('#');
    if (hash !== undefined) collectNode(hash, out, sharedOut);
    return;
  }
  const exact = node.children.get(levels[index]);
  if (exact !== undefined) collect(exact, levels, index + 1, out, sharedOut);
  // A filter starting with a wildcard does not match a topic starting with `$` [MQTT-4.7.2-1].
  if (index === 0 && levels[0].charCodeAt(0) === 0x24) return;
  const plus = node.children.get('+');
  if (plus !== undefined) collect(plus, levels, index + 1, out, sharedOut);
  const hash = node.children.get('#');
  if (hash !== undefined) collectNode(hash, out, sharedOut);
}

/** The subscription trie of one instance: matching costs the depth of the topic, not the number of filters. */
export class TopicTree {
  /** Made on the first subscription (issue 16: an idle instance holds no node and no maps). */
  private rootNode: TopicNode | undefined;
  private count = 0;

  private get root(): TopicNode {
    return (this.rootNode ??= new TopicNode());
  }

  /** Subscriptions in the tree, shared ones counted per member: what the per-instance quota bounds. */
  get size(): number {
    return this.count;
  }

  add(subscription: Subscription): void {
    const node = nodeAt(this.root, subscription.filter.split('/'), TopicNode);
    const clientId = subscription.session.clientId;
    if (subscription.shareGroup === undefined) {
      if (!node.subscriptions.has(clientId)) this.count++;
      node.subscriptions.set(clientId, subscription);
      return;
    }
    node.shared ??= new Map();
    let group = node.shared.get(subscription.shareGroup);
    if (group === undefined) {
      group = { name: subscription.shareGroup, members: [], next: 0 };
      node.shared.set(subscription.shareGroup, group);
    }
    const existing = group.members.findIndex((member) => member.session.clientId === clientId);
    if (existing >= 0) {
      group.members[existing] = subscription;
    } else {
      group.members.push(subscription);
      this.count++;
    }
  }

  remove(subscription: Subscription): void {
    const levels = subscription.filter.split('/');
    const path = pathTo(this.root, levels);
    if (path === undefined) return;
    const node = path[levels.length];
    const clientId = subscription.session.clientId;
    if (subscription.shareGroup === undefined) {
      if (node.subscriptions.get(clientId) === subscription) {
        node.subscriptions.delete(clientId);
        this.count--;
      }
    } else {
      const group = node.shared?.get(subscription.shareGroup);
      if (group !== undefined) {
        const index = group.members.indexOf(subscription);
        if (index >= 0) {
          group.members.splice(index, 1);
          this.count--;
        }
        if (group.members.length === 0) node.shared?.delete(subscription.shareGroup);
      }
    }
    pruneEmpty(path, levels);
  }

  /** Appends every subscription matching the topic (split on `/`) to `out`, shared groups to `sharedOut`. */
  match(levels: readonly string[], out: Subscription[], sharedOut: SharedGroup[]): void {
    if (this.rootNode !== undefined) collect(this.rootNode, levels, 0, out, sharedOut);
  }
}
