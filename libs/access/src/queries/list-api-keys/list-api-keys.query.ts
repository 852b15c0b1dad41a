/** An application's API keys, oldest first; optionally only the ones that still work (or don't). */
export class ListApiKeys {
  constructor(
    readonly applicationId: string,
    readonly filter: { status?: 'active' | 'expired' | 'revoked' },
    readonly page: { limit?: number; cursor?: string } = {},
  ) {}
}
