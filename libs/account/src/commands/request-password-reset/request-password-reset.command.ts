import type { ClientInfo } from '@user-engine/kernel';

export class RequestPasswordReset {
  constructor(
    readonly email: string,
    readonly client: ClientInfo,
  ) {}
}
