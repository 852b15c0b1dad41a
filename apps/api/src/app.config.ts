import { ConfigType } from '@nestjs/config';
import { ConfigValidationError, defineConfig, env } from '@user-engine/kernel';
import type { FeatureModule } from './feature-modules';

/** Composition-root settings: which feature modules mount. */
export const appConfig = defineConfig('app', {
  modules: env.list('MODULES', {
    default: [],
    description: 'Feature modules to mount (comma-separated). Unset: every module this build contains.',
  }),
});
export type AppConfig = ConfigType<typeof appConfig>;

/** The modules MODULES names (all when unset); an unknown name stops the start. */
export function resolveModules(requested: readonly string[], registry: Readonly<Record<string, FeatureModule>>): string[] {
  const available = Object.keys(registry);
  if (!requested.length) return available;
  const unknown = requested.filter((n) => !available.includes(n));
  if (unknown.length) {
    throw new ConfigValidationError([
      {
        variable: 'MODULES',
        message: `names unknown module(s) ${unknown.map((u) => `"${u}"`).join(', ')}; expected a comma-separated subset of: ${
          available.length ? available.join(', ') : '(no feature modules in this build)'
        }`,
      },
    ]);
  }
  const chosen = [...new Set(requested)];
  const missing = chosen.flatMap((n) => (registry[n].requires ?? []).filter((r) => !chosen.includes(r)).map((r) => `${n} needs ${r}`));
  if (missing.length) {
    throw new ConfigValidationError([{ variable: 'MODULES', message: `lacks required module(s): ${missing.join('; ')}` }]);
  }
  // Mounted in the build's order, whatever order MODULES lists them in.
  return available.filter((n) => chosen.includes(n));
}
