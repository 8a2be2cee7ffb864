// The status of a request that waits for approval and goes to M-Pesa (a payout, a reversal), as a
// badge in plain words.
const STYLES: Record<string, string> = {
  pending_approval: "bg-sky-100 text-sky-900",
  approved: "bg-indigo-100 text-indigo-900",
  submitted: "bg-indigo-100 text-indigo-900",
  paid: "bg-green-100 text-green-900",
  reversed: "bg-violet-100 text-violet-900",
  failed: "bg-red-100 text-red-900",
  rejected: "bg-red-100 text-red-900",
  cancelled: "bg-slate-200 text-slate-800",
  unknown: "bg-amber-100 text-amber-900",
  needs_review: "bg-orange-100 text-orange-900",
};

const WORDS: Record<string, string> = {
  pending_approval: "waiting for approval",
  unknown: "checking with M-Pesa",
  needs_review: "needs review",
};

export function RequestStatus({ status }: { status: string }) {
  return (
    <span className={`pill whitespace-nowrap ${STYLES[status] ?? "bg-slate-100"}`} data-status={status}>
      {WORDS[status] ?? status}
    </span>
  );
}
