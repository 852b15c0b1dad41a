import { type ClientInfo, type Principal, Scopes, type Scope, uuidv7 } from '@user-engine/kernel';

/** A platform operator issues an API key to an application (its secret is returned once). */
export class CreateApiKey {
  readonly scope: Scope = Scopes.platform;
  readonly id = uuidv7();

  constructor(
    readonly applicationId: string,
    readonly key: { name: string; scopes: string[]; tenantId: string | null; expiresAt: Date | null },
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
