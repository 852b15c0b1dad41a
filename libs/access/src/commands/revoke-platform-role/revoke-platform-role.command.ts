import { type ClientInfo, type Principal, Scopes, type Scope } from '@user-engine/kernel';

/** Takes the platform-operator role from a user (never from the last one). */
export class RevokePlatformRole {
  readonly scope: Scope = Scopes.platform;

  constructor(
    readonly userId: string,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
