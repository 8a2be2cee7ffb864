// Changing one's own password: the current one is checked like a sign-in, and every other
// session ends once it changes (lib/users/change-password.ts).
import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/page-header";
import { requireTenant } from "@/lib/session";
import { ChangePasswordForm } from "./page-client";

export const metadata: Metadata = { title: "Change password" };

export default async function ChangePasswordPage() {
  const tenant = await requireTenant();
  return (
    <>
      <PageHeader title="Change password" description={tenant.user.email} />
      <section className="mb-6 max-w-md rounded-xl border border-slate-200 bg-white p-4">
        <ChangePasswordForm email={tenant.user.email} />
      </section>
      <Link href="/account" className="text-sm font-medium text-brand-800 underline">
        Back to your account
      </Link>
    </>
  );
}
