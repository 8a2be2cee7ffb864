"use client";

import { type QueryKey, useQuery } from "@tanstack/react-query";
import { useState } from "react";

export interface ListPage<T> {
  data: T[];
  nextCursor: string | null;
}

/** One page of a dashboard list route (`?cursor=` for older pages), never from the HTTP cache. */
export async function fetchListPage<P>(path: string, params: URLSearchParams, what: string, cursor?: string) {
  const query = new URLSearchParams(params);
  if (cursor) query.set("cursor", cursor);
  const res = await fetch(`${path}?${query}`, { cache: "no-store" });
  if (!res.ok) throw new Error(`Could not load ${what}`);
  return (await res.json()) as P;
}

/**
 * A keyset-paged list whose newest page is polled every 3 s (hydrated from the server render) and
 * whose older pages load on demand; rows that moved into the live page are shown once. Returns
 * the rows, the newest page and what ListFooter needs.
 */
export function useLiveList<T extends { id: string }, P extends ListPage<T>>(options: {
  queryKey: QueryKey;
  initial: P;
  fetchPage: (cursor?: string) => Promise<P>;
}) {
  const live = useQuery({
    queryKey: options.queryKey,
    queryFn: () => options.fetchPage(),
    initialData: options.initial,
    refetchInterval: 3_000,
  });
  const [older, setOlder] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(options.initial.nextCursor);
  const [loading, setLoading] = useState(false);
  // The server render is the first page until the first poll answers.
  const data = live.data ?? options.initial;
  const seen = new Set(data.data.map((r) => r.id));
  const rows = [...data.data, ...older.filter((r) => !seen.has(r.id))];

  const onLoadMore = async () => {
    if (!cursor) return;
    setLoading(true);
    try {
      const page = await options.fetchPage(cursor);
      setOlder((o) => [...o, ...page.data]);
      setCursor(page.nextCursor);
    } finally {
      setLoading(false);
    }
  };

  return {
    /** The newest page as last polled (for figures the route sends beside the rows). */
    data,
    rows,
    footer: { hasMore: Boolean(cursor), loading, onLoadMore, liveError: live.isError },
  };
}
