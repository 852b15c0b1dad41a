/** An application's current catalog (or undefined before its first publish); throws when the application is unknown. */
export class GetCatalog {
  constructor(readonly applicationId: string) {}
}
