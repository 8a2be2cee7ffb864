// A 30-day bar chart of money collected, with the success rate as a line: inline SVG, no chart
// library (two series need no dependency, and the dashboard stays light on phones).
import { formatKes } from "@/lib/format";

export function DailyChart({
  daily,
}: {
  daily: { day: string; collected: number; paid: number; settled: number }[];
}) {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...daily.map((d) => d.collected));
  const step = width / daily.length;
  const rate = daily
    .map((d, i) =>
      d.settled ? `${i * step + step / 2},${height - (d.paid / d.settled) * (height - 10)}` : null,
    )
    .filter(Boolean);
  return (
    <figure>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label="Money collected per day for 30 days, with the success rate"
        className="h-40 w-full"
      >
        {daily.map((d, i) => {
          const h = (d.collected / max) * (height - 10);
          return (
            <rect
              key={d.day}
              x={i * step + 2}
              y={height - h}
              width={step - 4}
              height={h}
              rx={2}
              className="fill-brand-600/70"
            >
              <title>{`${d.day}: ${formatKes(d.collected)}, ${d.paid} paid of ${d.settled}`}</title>
            </rect>
          );
        })}
        {rate.length > 1 ? (
          <polyline points={rate.join(" ")} fill="none" className="stroke-sky-700" strokeWidth={2} />
        ) : null}
      </svg>
      <figcaption className="mt-1 flex justify-between text-xs text-slate-500">
        <span>{daily[0]?.day}</span>
        <span>Bars: KES collected · line: success rate</span>
        <span>{daily[daily.length - 1]?.day}</span>
      </figcaption>
    </figure>
  );
}
