import { DynamicModule, Module, Type } from '@nestjs/common';
import { ConfigNamespace, ConfigSource, KernelModule } from '@user-engine/kernel';
import { MIGRATIONS } from '@user-engine/migrations';
import { appConfig, resolveModules } from './app.config';
import { FEATURE_MODULES, FeatureModule } from './feature-modules';

export interface AppModuleOptions {
  env: ConfigSource;
  /** The modules MODULES chooses from; the build's own by default (tests pass their own). */
  registry?: Readonly<Record<string, FeatureModule>>;
}

/** The composition root: the kernel plus the feature modules MODULES names. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const registry = options.registry ?? FEATURE_MODULES;
    const names = resolveModules(appConfig.parse(options.env).modules, registry);
    const mounted = names.map((name) => registry[name]);
    const configs: ConfigNamespace[] = [appConfig, ...mounted.flatMap((m) => m.configs ?? [])];
    return {
      module: AppModule,
      imports: [
        KernelModule.forRoot({
          env: options.env,
          configs,
          entities: mounted.flatMap((m) => m.entities ?? []),
          migrations: MIGRATIONS,
        }),
        ...mounted.map((m): Type | DynamicModule => (m.forModules ? m.forModules(names) : m.module)),
      ],
    };
  }
}
