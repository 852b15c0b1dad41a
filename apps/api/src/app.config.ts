import { ConfigType } from '@nestjs/config';
import { defineConfig, env, EnvParseError } from '@user-engine/kernel';
import { FEATURE_MODULES } from './feature-modules';

const available = Object.keys(FEATURE_MODULES);

/** Composition-root settings: which feature modules mount. */
export const appConfig = defineConfig('app', {
  modules: {
    ...env.list('MODULES', {
      default: available,
      description: 'Feature modules to mount (comma-separated). Default: every module this build contains.',
    }),
    parse(raw: string | undefined): readonly string[] {
      const names = raw === undefined || raw.trim() === '' ? available : raw.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !available.includes(n));
      if (unknown.length) {
        throw new EnvParseError(
          `names unknown module(s) ${unknown.map((u) => `"${u}"`).join(', ')}; expected a comma-separated subset of: ${available.length ? available.join(', ') : '(no feature modules in this build)'}`,
        );
      }
      return [...new Set(names)];
    },
  },
});
export type AppConfig = ConfigType<typeof appConfig>;
