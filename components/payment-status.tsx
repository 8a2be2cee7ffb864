const STYLES: Record<string, string> = {
  pending: "bg-sky-100 text-sky-900",
  paid: "bg-green-100 text-green-900",
  failed: "bg-red-100 text-red-900",
  cancelled: "bg-slate-200 text-slate-800",
  timed_out: "bg-amber-100 text-amber-900",
  needs_review: "bg-orange-100 text-orange-900",
  reversed: "bg-violet-100 text-violet-900",
};

export function PaymentStatus({ status }: { status: string }) {
  return <span className={`pill ${STYLES[status] ?? "bg-slate-100"}`}>{status.replace("_", " ")}</span>;
}
