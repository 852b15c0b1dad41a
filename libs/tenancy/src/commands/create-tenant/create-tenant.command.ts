import { type ClientInfo, type Principal, Scopes, type Scope, uuidv7 } from '@user-engine/kernel';

/** Creates a tenant; its creator becomes its first (active) owner. */
export class CreateTenant {
  readonly tenantId = uuidv7();
  readonly scope: Scope = Scopes.tenant(this.tenantId);

  constructor(
    readonly name: string,
    readonly slug: string,
    readonly actor: Principal,
    /** The creator's verified address, for the member list. */
    readonly email: string,
    readonly client: ClientInfo,
  ) {}
}
