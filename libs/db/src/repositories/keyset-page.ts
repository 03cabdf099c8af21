/** One page of a keyset-paginated list: `next` is the position to continue after, null on the last page. */
export interface Page<TItem, TPosition> {
  items: TItem[];
  next: TPosition | null;
}

/** Newest-first position: rows sort by creation time, then id, both descending (ids break ties in one millisecond). */
export interface TimePosition {
  createdAt: Date;
  id: string;
}

/** Repositories fetch `limit + 1` rows; the extra one only says whether another page exists. */
export function toPage<TItem, TPosition>(
  rows: TItem[],
  limit: number,
  positionOf: (item: TItem) => TPosition,
): Page<TItem, TPosition> {
  const items = rows.slice(0, limit);
  const next = rows.length > limit && items.length > 0 ? positionOf(items[items.length - 1]) : null;
  return { items, next };
}

/** The Prisma `where` fragment for "strictly after this position" in (createdAt desc, <idField> desc) order. */
export function afterTimePosition(after: TimePosition | null, idField = 'id'): object {
  if (!after) return {};
  return {
    OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, [idField]: { lt: after.id } }],
  };
}
