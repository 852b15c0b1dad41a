import type { ClientInfo } from '@user-engine/kernel';

export class ChangePassword {
  constructor(
    readonly userId: string,
    /** The session making the change stays signed in; every other one ends. */
    readonly sessionId: string,
    readonly currentPassword: string,
    readonly newPassword: string,
    readonly client: ClientInfo,
  ) {}
}
