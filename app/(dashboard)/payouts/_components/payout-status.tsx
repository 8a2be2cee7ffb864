import { RequestStatus } from "@/components/request-status";

export function PayoutStatus({ status }: { status: string }) {
  return <RequestStatus status={status} />;
}
