import { keepPreviousData, QueryKey, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ListPage } from '../api/types';

export interface CursorPages<T> {
  items: T[];
  isLoading: boolean;
  isFetching: boolean;
  error: unknown;
  refetch: () => void;
  /** 1-based. */
  pageNumber: number;
  hasNext: boolean;
  hasPrevious: boolean;
  next: () => void;
  previous: () => void;
}

/**
 * A cursor-paginated list (`{ data, nextCursor }`), page by page: forward with nextCursor, back along the cursors
 * already seen. A change of `key` (a new search, another account) starts again at the first page.
 */
export function useCursorPages<T>(
  key: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<ListPage<T>>,
  options: { enabled?: boolean; refetchInterval?: number | false } = {},
): CursorPages<T> {
  const identity = JSON.stringify(key);
  const [trail, setTrail] = useState<{ identity: string; cursors: (string | undefined)[] }>({
    identity,
    cursors: [undefined],
  });
  const cursors = trail.identity === identity ? trail.cursors : [undefined];
  if (trail.identity !== identity) setTrail({ identity, cursors });
  const cursor = cursors[cursors.length - 1];

  const query = useQuery({
    queryKey: [...key, { cursor }],
    queryFn: () => fetchPage(cursor),
    placeholderData: (previous, previousQuery) =>
      previousQuery && JSON.stringify(previousQuery.queryKey.slice(0, -1)) === identity
        ? keepPreviousData(previous)
        : undefined,
    enabled: options.enabled ?? true,
    refetchInterval: options.refetchInterval,
  });
  const nextCursor = query.data?.nextCursor ?? null;
  return {
    items: query.data?.data ?? [],
    isLoading: query.isLoading,
    isFetching: query.isFetching,
    error: query.error,
    refetch: () => void query.refetch(),
    pageNumber: cursors.length,
    hasNext: nextCursor !== null && !query.isPlaceholderData,
    hasPrevious: cursors.length > 1,
    next: () => {
      if (nextCursor) setTrail({ identity, cursors: [...cursors, nextCursor] });
    },
    previous: () => {
      if (cursors.length > 1) setTrail({ identity, cursors: cursors.slice(0, -1) });
    },
  };
}
