import { Injectable, OnModuleInit } from '@nestjs/common';
import { AccountExtensions } from '@user-engine/account';
import { Scopes, UnitOfWork } from '@user-engine/kernel';
import { AccessErrors } from './access.errors';
import { PLATFORM_OPERATOR } from './access.permissions';
import { PlatformRolesRepository } from './persistence/platform-roles.repository';

/** The last platform operator cannot erase their account: nobody could administer the platform after. */
@Injectable()
export class AccessAccountHooks implements OnModuleInit {
  constructor(
    private readonly extensions: AccountExtensions,
    private readonly roles: PlatformRolesRepository,
    private readonly uow: UnitOfWork,
  ) {}

  onModuleInit(): void {
    this.extensions.addDeletionGuard(async (userId) => {
      const holders = await this.uow.run(Scopes.global, () => this.roles.holders(PLATFORM_OPERATOR));
      if (holders.length === 1 && holders[0].user_id === userId) throw AccessErrors.lastOperator();
    });
  }
}
