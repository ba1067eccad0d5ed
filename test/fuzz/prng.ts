/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same numbers on every
 * machine, so a fuzz run is reproducible. Each connection draws from its own stream, derived
 * from the run's seed and the connection's number, so what a connection sends does not depend
 * on how the connections happened to interleave.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The stream of connection `index` in a run seeded with `seed`. */
  static forStream(seed: number, index: number): Prng {
    // Two rounds of a 32-bit mix so neighbouring indexes start far apart.
    let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
    for (let i = 0; i < 2; i++) {
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      h ^= h >>> 16;
    }
    return new Prng(h);
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  /** Mostly small, now and then large: the sizes fields see in the wild, and their edges. */
  size(max: number): number {
    const roll = this.next();
    if (roll < 0.7) return this.int(0, Math.min(16, max));
    if (roll < 0.95) return this.int(0, Math.min(256, max));
    return this.int(0, max);
  }
}
