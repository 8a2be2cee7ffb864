// Every React Query key in one place, so invalidation after a mutation cannot miss one.
export const queryKeys = {
  payments: (merchantId: string, filters: string) => ["payments", merchantId, filters] as const,
  overview: (merchantId: string) => ["overview", merchantId] as const,
  payouts: (merchantId: string, tab: string) => ["payouts", merchantId, tab] as const,
} as const;
