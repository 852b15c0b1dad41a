/** A tenant's audit trail, newest first, filtered by actor, action (exact or `prefix.*`) and time. */
export class ListAudit {
  constructor(
    readonly tenantId: string,
    readonly filter: { actorId?: string; action?: string; from?: Date; to?: Date },
    readonly page: { limit?: number; cursor?: string } = {},
  ) {}
}
