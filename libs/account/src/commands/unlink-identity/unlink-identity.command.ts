import type { ClientInfo } from '@user-engine/kernel';

export class UnlinkIdentity {
  constructor(
    readonly userId: string,
    readonly identityId: string,
    readonly client: ClientInfo,
  ) {}
}
