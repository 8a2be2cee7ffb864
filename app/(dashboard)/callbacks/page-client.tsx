"use client";

import { useState, useTransition } from "react";
import { replayAction } from "./actions";

export function ReplayButton({ inboxId }: { inboxId: string }) {
  const [pending, start] = useTransition();
  const [message, setMessage] = useState<string | null>(null);
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        disabled={pending}
        onClick={() => start(async () => setMessage((await replayAction(inboxId)).message))}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium hover:bg-slate-50"
      >
        {pending ? "Replaying…" : "Replay"}
      </button>
      {message ? (
        <span role="status" className="text-xs text-slate-600">
          {message}
        </span>
      ) : null}
    </span>
  );
}
