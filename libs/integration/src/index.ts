// The integration module's public surface: what the composition root mounts.
export * from './integration.module';

import { IntegrationModule } from './integration.module';

/** What the composition root mounts when MODULES includes `integration`: reactions for the modules mounted with it. */
export const integrationFeature = {
  module: IntegrationModule,
  forModules: (mounted: readonly string[]) => IntegrationModule.forModules(mounted),
};
