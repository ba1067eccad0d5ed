import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * One page of a list ordered by a unique text key (a user id, a client id, a serial): the
 * rows after `after`, and the cursor of the next page (the last key), or null at the end.
 */
export async function keysetPage<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  page: { keyColumn: string; keyOf: (row: T) => string; limit: number; after?: string },
): Promise<{ rows: T[]; nextCursor: string | null }> {
  query.orderBy(page.keyColumn, 'ASC').limit(page.limit + 1);
  if (page.after) query.andWhere(`${page.keyColumn} > :keysetAfter`, { keysetAfter: page.after });
  const rows = await query.getMany();
  const taken = rows.slice(0, page.limit);
  const last = taken[taken.length - 1];
  return { rows: taken, nextCursor: rows.length > page.limit && last ? page.keyOf(last) : null };
}
