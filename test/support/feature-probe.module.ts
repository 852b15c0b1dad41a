import { Controller, Get, Module, Param } from '@nestjs/common';
import { Authenticated, CurrentPrincipal, type Principal, RequireFeature, RequireMembership } from '@user-engine/kernel';
import { FEATURE_MODULES, type FeatureModule } from '../../apps/api/src/feature-modules';

/** Routes another module would gate on a plan feature, as `@RequireFeature()` is meant to be used. */
@Controller('v1/feature-probe')
class FeatureProbeController {
  @Get('tenants/:tenant_id/sso')
  @RequireMembership()
  @RequireFeature('sso')
  tenantSso(@Param('tenant_id') tenantId: string): { tenant_id: string; sso: true } {
    return { tenant_id: tenantId, sso: true };
  }

  @Get('tenants/:tenant_id/api-calls')
  @RequireMembership()
  @RequireFeature('api_calls')
  tenantApiCalls(@Param('tenant_id') tenantId: string): { tenant_id: string } {
    return { tenant_id: tenantId };
  }

  @Get('any-token/sso')
  @Authenticated({ tenantTokens: true })
  @RequireFeature('sso')
  anyTokenSso(@CurrentPrincipal() principal: Principal): { user_id: string; tenant_id: string | null } {
    return { user_id: principal.userId, tenant_id: principal.tenantId ?? null };
  }

  @Get('me/sso')
  @Authenticated()
  @RequireFeature('sso')
  mySso(@CurrentPrincipal() principal: Principal): { user_id: string; sso: true } {
    return { user_id: principal.userId, sso: true };
  }
}

@Module({ controllers: [FeatureProbeController] })
class FeatureProbeModule {}

/** Every module of the build plus the feature-gated probe routes. */
export const WITH_FEATURE_PROBE: Record<string, FeatureModule> = { ...FEATURE_MODULES, 'feature-probe': { module: FeatureProbeModule } };

/** The same probe routes with only the modules `names` lists (e.g. without subscription). */
export function featureProbeRegistry(names: string[]): Record<string, FeatureModule> {
  return { ...Object.fromEntries(names.map((n) => [n, FEATURE_MODULES[n]])), 'feature-probe': { module: FeatureProbeModule } };
}
