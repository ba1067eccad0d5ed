import type { z } from 'zod';

/** How many of a type one chain may hold. */
export type PerChain = 'once' | 'many';

/**
 * Everything the control plane and the broker need to know about one kind of provider
 * (authenticators today; authorization sources take the same shape): its type name, the
 * edition method it needs, how many a chain may hold, and its closed configuration schema
 * whose secret and outbound-URL fields are marked on the fields (config/field-markers.ts).
 * How the broker runs it lives in @mqc/auth-drivers, keyed by the same type name: this side
 * loads no database driver.
 */
export interface Provider<Type extends string = string, Method extends string = string, Schema extends z.ZodType = z.ZodType> {
  readonly type: Type;
  readonly method: Method;
  readonly perChain: PerChain;
  readonly config: Schema;
}

export function defineProvider<const Type extends string, const Method extends string, Schema extends z.ZodType>(
  provider: Provider<Type, Method, Schema>,
): Provider<Type, Method, Schema> {
  return Object.freeze({ ...provider });
}
