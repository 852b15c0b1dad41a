import { DynamicModule, Module, Type } from '@nestjs/common';
import { ConfigNamespace, ConfigSource, KernelModule } from '@user-engine/kernel';
import { MIGRATIONS } from '@user-engine/migrations';
import { appConfig } from './app.config';
import { FEATURE_MODULES, FeatureModule } from './feature-modules';

export interface AppModuleOptions {
  env: ConfigSource;
  /** Extra modules mounted beside the configured ones (tests use this to exercise the kernel). */
  extra?: FeatureModule[];
}

/** The composition root: the kernel plus the feature modules MODULES names. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const { modules } = appConfig.parse(options.env);
    const mounted = [...modules.map((name) => FEATURE_MODULES[name]), ...(options.extra ?? [])];
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
        ...mounted.map((m): Type => m.module),
      ],
    };
  }
}
