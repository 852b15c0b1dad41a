import { type ClientInfo, type Principal, Scopes, type Scope } from '@user-engine/kernel';

/** Makes a user a platform operator: by another operator, or by the CLI's bootstrap-admin (no actor). */
export class GrantPlatformRole {
  readonly scope: Scope = Scopes.platform;

  constructor(
    readonly userId: string,
    readonly actor: Principal | null,
    readonly client: ClientInfo | null,
    /** The CLI's bootstrap: refused once any operator exists. */
    readonly bootstrap = false,
  ) {}
}
