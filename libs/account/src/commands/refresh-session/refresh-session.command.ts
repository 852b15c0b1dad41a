import type { ClientInfo } from '@user-engine/kernel';

export class RefreshSession {
  constructor(
    readonly refreshToken: string,
    readonly client: ClientInfo,
  ) {}
}
