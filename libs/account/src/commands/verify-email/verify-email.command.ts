import type { ClientInfo } from '@user-engine/kernel';

export class VerifyEmail {
  constructor(
    readonly token: string,
    readonly client: ClientInfo,
  ) {}
}
