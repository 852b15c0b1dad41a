import type { OwnsTransactions } from '@user-engine/kernel';

/**
 * Onboarding diagnostics of a tenant: what an admin should fix before (or while) running it. Reads
 * the tenant's rows in its scope, then verifies its audit chain in a platform transaction.
 */
export class GetDiagnostics implements OwnsTransactions {
  readonly ownTransactions = true;

  constructor(readonly tenantId: string) {}
}
