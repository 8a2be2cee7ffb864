// Every React Query key in one place, so invalidation after a mutation cannot miss one.
export const queryKeys = {
  auditLog: (merchantId: string) => ["audit-log", merchantId] as const,
  payments: (merchantId: string, filters: string) => ["payments", merchantId, filters] as const,
} as const;
