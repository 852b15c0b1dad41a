import type { DynamicModule, Type } from '@nestjs/common';
import type { ConfigNamespace } from '@user-engine/kernel';
import { accessFeature } from '@user-engine/access';
import { accountFeature } from '@user-engine/account';
import { integrationFeature } from '@user-engine/integration';
import { profileFeature } from '@user-engine/profile';
import { subscriptionFeature } from '@user-engine/subscription';
import { tenancyFeature } from '@user-engine/tenancy';

/** What a feature module contributes to the composition root. */
export interface FeatureModule {
  module: Type;
  /** TypeORM entities of the module's schema. */
  entities?: Function[];
  /** Its `registerAs` config namespaces. */
  configs?: ConfigNamespace[];
  /** Modules it cannot work without (MODULES naming it without them is a start-up error). */
  requires?: string[];
  /** A module whose contents depend on which others are mounted (the integration module's reactions). */
  forModules?: (mounted: readonly string[]) => DynamicModule;
}

/**
 * The feature modules this build contains, by the name MODULES uses. Each issue that adds a module
 * (account, profile, tenancy, access, subscription, integration) registers it here.
 */
export const FEATURE_MODULES: Readonly<Record<string, FeatureModule>> = {
  account: accountFeature,
  tenancy: tenancyFeature,
  access: accessFeature,
  profile: profileFeature,
  subscription: subscriptionFeature,
  integration: integrationFeature,
};
