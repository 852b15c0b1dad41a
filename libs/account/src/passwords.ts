import { Logger, type Provider } from '@nestjs/common';
import { kernelConfig, type KernelConfig } from '@user-engine/kernel';
import { accountConfig, type AccountConfig } from './account.config';
import { PasswordHasher } from './domain/password/password-hasher';
import { PasswordPolicy } from './domain/password/password-policy';
import { requiredSecret } from './secrets';

/** The hasher and the policy, built from the module's configuration. */
export const passwordProviders: Provider[] = [
  {
    provide: PasswordHasher,
    inject: [accountConfig.KEY, kernelConfig.KEY],
    useFactory: (c: AccountConfig, kernel: KernelConfig) => {
      const logger = new Logger('Passwords');
      const pepper = requiredSecret('ACCOUNT_PASSWORD_PEPPER', c.passwordPepper, kernel.nodeEnv, 'user-engine/password-prehash/v1', (m) =>
        logger.warn(m),
      );
      return new PasswordHasher({ cost: c.bcryptCost, pepper });
    },
  },
  {
    provide: PasswordPolicy,
    inject: [accountConfig.KEY],
    useFactory: (c: AccountConfig) => new PasswordPolicy({ minLength: c.passwordMinLength, maxLength: 256 }),
  },
];
