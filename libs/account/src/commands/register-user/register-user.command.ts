import type { ClientInfo } from '@user-engine/kernel';

export class RegisterUser {
  constructor(
    readonly email: string,
    readonly password: string,
    readonly displayName: string | null,
    readonly client: ClientInfo,
  ) {}
}
