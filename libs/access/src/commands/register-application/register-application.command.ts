import { type ClientInfo, type Principal, Scopes, type Scope, uuidv7 } from '@user-engine/kernel';

/** A platform operator registers a sibling service as an application. */
export class RegisterApplication {
  readonly scope: Scope = Scopes.platform;
  readonly id = uuidv7();

  constructor(
    readonly key: string,
    readonly name: string,
    readonly description: string | null,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
