"use client";

// A dashboard page failed on the server. Nothing about money changed because of it: say so, offer a
// retry, and give the reference the logs carry (Next's digest) so an operator can find the cause.
export default function DashboardError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div role="alert" className="rounded-xl border border-red-200 bg-red-50 p-6 text-sm text-red-900">
      <h1 className="text-lg font-semibold">This page could not be loaded</h1>
      <p className="mt-2">
        Nothing was changed. Try again in a moment; if it keeps happening, send your operator this reference
        {error.digest ? ":" : "."}
        {error.digest ? <code className="ml-1 font-mono">{error.digest}</code> : null}
      </p>
      <button
        type="button"
        onClick={reset}
        className="mt-4 rounded-md bg-red-800 px-3 py-2 font-medium text-white hover:bg-red-900"
      >
        Try again
      </button>
    </div>
  );
}
