"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { Button } from "@/components/button";
import { FormError } from "@/components/form-message";

/**
 * Uploads a statement file as the request body (not a form post), so the server reads it as a
 * stream; large statements take a while, and the button says so.
 */
export function StatementUploadForm() {
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!file) {
      setError("Choose the statement file you downloaded from the M-Pesa portal.");
      return;
    }
    setPending(true);
    setError(null);
    try {
      const response = await fetch(`/api/dashboard/statements?name=${encodeURIComponent(file.name)}`, {
        method: "POST",
        headers: { "Content-Type": file.type || "application/octet-stream" },
        body: file,
      });
      const body = (await response.json().catch(() => null)) as {
        id?: string;
        error?: { message?: string };
      } | null;
      if (!response.ok || !body?.id) {
        setError(body?.error?.message ?? "The statement could not be imported.");
        router.refresh(); // a failed import is listed too, with its reason
        return;
      }
      router.push(`/reconciliation/statements/${body.id}`);
    } catch {
      setError("The upload did not reach Malipo: check your connection and try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 text-sm">
      <h2 className="font-semibold">Import a statement</h2>
      <p className="text-slate-600">
        On the M-Pesa organisation portal, open the account statement, choose the period and export it as CSV
        or Excel (.xlsx). Importing the same statement again changes nothing.
      </p>
      <label className="block">
        <span className="mb-1 block font-medium">Statement file</span>
        <input
          type="file"
          name="file"
          accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          className="block w-full text-sm"
          data-testid="statement-file"
        />
      </label>
      <FormError message={error} />
      <Button type="submit" disabled={pending}>
        {pending ? "Importing… (large statements take a minute)" : "Import statement"}
      </Button>
    </form>
  );
}
