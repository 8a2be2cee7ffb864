export function Logo({ className = "" }: { className?: string }) {
  return (
    <span
      className={`inline-flex items-center gap-2 text-lg font-bold tracking-tight text-slate-900 ${className}`}
    >
      <span aria-hidden className="grid size-8 place-items-center rounded-lg bg-brand-700 text-white">
        M
      </span>
      Malipo
    </span>
  );
}
