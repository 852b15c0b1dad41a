import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { PROFILE_REACTIONS } from './events/profile-reactions.event-handler';
import { SUBSCRIPTION_REACTIONS } from './events/subscription-reactions.event-handler';

/** The cross-module reactions, by the module whose commands they call. */
export const REACTIONS: Readonly<Record<string, readonly Provider[]>> = {
  profile: PROFILE_REACTIONS,
  subscription: SUBSCRIPTION_REACTIONS,
};

/**
 * Where modules react to each other's events (DESIGN §1): each reaction is an inbox-backed event
 * handler that calls the target module's exported commands. Only the reactions whose target module
 * is mounted exist — a module switched off receives nothing, and its handlers are never announced,
 * so no event waits for them.
 */
@Module({})
export class IntegrationModule {
  static forModules(mounted: readonly string[]): DynamicModule {
    return {
      module: IntegrationModule,
      providers: Object.entries(REACTIONS).flatMap(([target, reactions]) => (mounted.includes(target) ? reactions : [])),
    };
  }
}
