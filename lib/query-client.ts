import { QueryClient } from "@tanstack/react-query";

/** One QueryClient factory for server prefetching and the browser. */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 5_000, refetchOnWindowFocus: true, retry: 2 },
    },
  });
}
