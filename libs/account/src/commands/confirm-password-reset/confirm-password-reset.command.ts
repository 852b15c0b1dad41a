import type { ClientInfo } from '@user-engine/kernel';

export class ConfirmPasswordReset {
  constructor(
    readonly token: string,
    readonly newPassword: string,
    readonly client: ClientInfo,
  ) {}
}
