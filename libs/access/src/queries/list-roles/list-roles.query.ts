/** A tenant's roles (built-in first, lowest to highest, then custom by key) with their effective permissions. */
export class ListRoles {
  constructor(readonly tenantId: string) {}
}
