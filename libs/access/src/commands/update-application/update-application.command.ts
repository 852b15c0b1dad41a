import { type ClientInfo, type Principal, Scopes, type Scope } from '@user-engine/kernel';

/** Renames, re-describes, disables or re-enables an application (its key never changes). */
export class UpdateApplication {
  readonly scope: Scope = Scopes.platform;

  constructor(
    readonly id: string,
    readonly changes: { name?: string; description?: string | null; status?: 'active' | 'disabled' },
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
