// Sections of the dashboard whose features have not landed yet. Each real page replaces its
// entry here with a folder of its own (a static route wins over this dynamic one).
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import type { Permission } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";

const SECTIONS: Record<
  string,
  { title: string; description: string; promise: string; permission: Permission }
> = {
  payouts: {
    title: "Payouts",
    description: "B2C payouts waiting for approval, and sent.",
    promise: "Payouts to phones will be requested here and approved by a second person.",
    permission: "payouts:view",
  },
};

type Props = { params: Promise<{ section: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: SECTIONS[(await params).section]?.title ?? "Not found" };
}

export default async function SectionPage({ params }: Props) {
  const section = SECTIONS[(await params).section];
  if (!section) notFound();
  await requireTenant(section.permission);
  return (
    <>
      <PageHeader title={section.title} description={section.description} />
      <EmptyState title="Nothing here yet">{section.promise}</EmptyState>
    </>
  );
}
