import { type ClientInfo, type Principal, Scopes, type Scope } from '@user-engine/kernel';

/** A platform operator revokes an application's API key: it stops working on every process at once. */
export class RevokeApiKey {
  readonly scope: Scope = Scopes.platform;

  constructor(
    readonly applicationId: string,
    readonly keyId: string,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
