import type { ReactNode } from "react";

export interface Column {
  label: string;
  align?: "left" | "right";
}

/** The dashboard's table frame: bordered, scrolls sideways on phones, labelled header cells. */
export function DataTable({
  columns,
  children,
  testId,
}: {
  columns: Column[];
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid={testId}>
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
          <tr>
            {columns.map((c) => (
              <th
                key={c.label}
                scope="col"
                className={`px-4 py-2 ${c.align === "right" ? "text-right" : ""}`}
              >
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        {/* Body cells are padded by .data-rows (app/globals.css), not a class on each. */}
        <tbody className="data-rows divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}
