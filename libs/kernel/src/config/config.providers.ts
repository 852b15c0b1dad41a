import type { Provider } from '@nestjs/common';
import type { ConfigSource } from './define-config';

export interface ConfigNamespace {
  KEY: string | symbol;
  namespace: string;
  parse(source?: ConfigSource): unknown;
}

/**
 * Provides each namespace under its `registerAs` token (`@Inject(httpConfig.KEY)`), parsed from an
 * explicit source. Unlike ConfigModule's process-wide state, this lets several applications with
 * different settings live in one process (tests run two dispatchers side by side).
 */
export function configProviders(namespaces: readonly ConfigNamespace[], source: ConfigSource): Provider[] {
  return namespaces.map((ns) => ({ provide: ns.KEY, useValue: ns.parse(source) }));
}
