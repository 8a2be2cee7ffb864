"use client";

import { useState } from "react";

/** Copies `value` to the clipboard and says so. */
export function CopyButton({ value, className = "" }: { value: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={() => navigator.clipboard?.writeText(value).then(() => setCopied(true))}
      className={`rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium ${className}`}
    >
      {copied ? "Copied" : "Copy link"}
    </button>
  );
}
