"use client";

/**
 * The foot of a live, keyset-paged list: "Load older …" while there is a next page, and a notice
 * when polling has failed (React Query keeps retrying; the rows shown stay as they were).
 */
export function ListFooter(props: {
  /** What the list holds, plural: "payments", "payouts". */
  noun: string;
  hasMore: boolean;
  loading: boolean;
  onLoadMore: () => void;
  liveError: boolean;
}) {
  return (
    <>
      {props.hasMore ? (
        <button
          type="button"
          onClick={props.onLoadMore}
          disabled={props.loading}
          className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm"
        >
          {props.loading ? "Loading…" : `Load older ${props.noun}`}
        </button>
      ) : null}
      {props.liveError ? (
        <p role="alert" className="text-sm text-red-700">
          Live updates paused: reconnecting…
        </p>
      ) : null}
    </>
  );
}
