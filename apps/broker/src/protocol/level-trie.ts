/** A node of a trie keyed by topic levels (the subscription tree, the retained store). */
export interface LevelNode<N> {
  readonly children: Map<string, N>;
  isEmpty(): boolean;
}

/** The node at `levels`, the missing nodes on the way made with `Node`. */
export function nodeAt<N extends LevelNode<N>>(root: N, levels: readonly string[], Node: new () => N): N {
  let node = root;
  for (const level of levels) {
    let child = node.children.get(level);
    if (child === undefined) {
      child = new Node();
      node.children.set(level, child);
    }
    node = child;
  }
  return node;
}

/** The nodes from the root down to `levels` (root first, so `levels.length + 1` of them), or undefined when the trie has no such node. */
export function pathTo<N extends LevelNode<N>>(root: N, levels: readonly string[]): N[] | undefined {
  const path = [root];
  let node = root;
  for (const level of levels) {
    const child = node.children.get(level);
    if (child === undefined) return undefined;
    path.push(child);
    node = child;
  }
  return path;
}

/** Unlinks the empty nodes at the end of a path from pathTo(), deepest first, up to the first that still holds something. */
export function pruneEmpty<N extends LevelNode<N>>(path: readonly N[], levels: readonly string[]): void {
  for (let i = levels.length; i > 0 && path[i].isEmpty(); i--) path[i - 1].children.delete(levels[i - 1]);
}
