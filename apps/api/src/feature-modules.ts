import type { Type } from '@nestjs/common';
import type { ConfigNamespace } from '@user-engine/kernel';
import { accountFeature } from '@user-engine/account';

/** What a feature module contributes to the composition root. */
export interface FeatureModule {
  module: Type;
  /** TypeORM entities of the module's schema. */
  entities?: Function[];
  /** Its `registerAs` config namespaces. */
  configs?: ConfigNamespace[];
}

/**
 * The feature modules this build contains, by the name MODULES uses. Each issue that adds a module
 * (account, profile, tenancy, access, subscription, integration) registers it here.
 */
export const FEATURE_MODULES: Readonly<Record<string, FeatureModule>> = {
  account: accountFeature,
};
