import type { ClientInfo } from '@user-engine/kernel';

export class ResendVerification {
  constructor(
    readonly email: string,
    readonly client: ClientInfo,
  ) {}
}
