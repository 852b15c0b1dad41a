/** Registered applications, oldest first (ids are UUIDv7); optionally one status. */
export class ListApplications {
  constructor(
    readonly filter: { status?: 'active' | 'disabled' },
    readonly page: { limit?: number; cursor?: string } = {},
  ) {}
}
