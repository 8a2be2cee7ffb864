import type { MpesaEnvironment } from "@/prisma/generated/prisma/enums";

const STYLES: Record<MpesaEnvironment, { label: string; className: string }> = {
  simulator: { label: "Simulator", className: "bg-violet-100 text-violet-800 ring-violet-300" },
  sandbox: { label: "Sandbox · test money", className: "bg-amber-100 text-amber-900 ring-amber-300" },
  production: { label: "Live · real money", className: "bg-red-100 text-red-800 ring-red-300" },
};

/** Shown everywhere a merchant is named, so nobody mistakes test money for real money. */
export function EnvironmentBadge({ environment }: { environment: MpesaEnvironment }) {
  const style = STYLES[environment];
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ${style.className}`}
    >
      {style.label}
    </span>
  );
}
