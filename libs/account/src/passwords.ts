import type { Provider } from '@nestjs/common';
import { accountConfig, type AccountConfig } from './account.config';
import { PasswordHasher } from './domain/password/password-hasher';
import { PasswordPolicy } from './domain/password/password-policy';

/** The hasher and the policy, built from the module's configuration. */
export const passwordProviders: Provider[] = [
  {
    provide: PasswordHasher,
    inject: [accountConfig.KEY],
    useFactory: (c: AccountConfig) => new PasswordHasher({ cost: c.bcryptCost, pepper: c.passwordPepper }),
  },
  {
    provide: PasswordPolicy,
    inject: [accountConfig.KEY],
    useFactory: (c: AccountConfig) => new PasswordPolicy({ minLength: c.passwordMinLength, maxLength: 256 }),
  },
];
