/**
 * Users whose email starts with `query` (or whose id is `query`), ordered by email: platform
 * administration. Deleted accounts (tombstones) are not listed.
 */
export class SearchUsers {
  constructor(
    readonly query: string,
    readonly page: { limit?: number; cursor?: string } = {},
  ) {}
}
