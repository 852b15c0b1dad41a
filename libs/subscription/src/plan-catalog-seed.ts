import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigValidationError, Scopes, UnitOfWork } from '@user-engine/kernel';
import { validatePlan } from './domain/plans';
import { PlansRepository } from './persistence/plans.repository';
import { subscriptionConfig, type SubscriptionConfig } from './subscription.config';

/**
 * Seeds the plan catalog from SUBSCRIPTION_PLANS on first start (an empty catalog). Afterwards the
 * catalog belongs to the operators: a restart never overwrites what they changed.
 */
@Injectable()
export class PlanCatalogSeed implements OnApplicationBootstrap {
  private readonly logger = new Logger('PlanCatalog');

  constructor(
    private readonly uow: UnitOfWork,
    private readonly plans: PlansRepository,
    @Inject(subscriptionConfig.KEY) private readonly config: SubscriptionConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const defaults = { currency: this.config.currency, trialDays: this.config.trialDays };
    const plans = this.config.plans.map((input, i) => {
      const { plan, errors } = validatePlan(input, defaults, `[${i}].`);
      if (errors.length)
        throw new ConfigValidationError(errors.map((e) => ({ variable: 'SUBSCRIPTION_PLANS', message: `${e.path}: ${e.message}` })));
      return plan;
    });
    const inserted = await this.uow.run(Scopes.global, () => this.plans.seed(plans));
    if (inserted) this.logger.log(`seeded the plan catalog with ${inserted} plan(s): ${plans.map((p) => p.key).join(', ')}`);
  }
}
