import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="mx-auto max-w-md px-4 py-24 text-center">
      <h1 className="text-2xl font-semibold">You don&apos;t have access to this</h1>
      <p className="mt-2 text-slate-600">
        Your role for this merchant does not allow it. Ask an owner or admin if you need it.
      </p>
      <Link href="/" className="mt-6 inline-block font-medium text-brand-700 underline">
        Back to the overview
      </Link>
    </main>
  );
}
