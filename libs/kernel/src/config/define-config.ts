import { registerAs } from '@nestjs/config';
import { EnvParseError, EnvSpec } from './env';

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** Thrown when the environment is invalid: the process must not start. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable} ${p.message}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

type Specs = Record<string, EnvSpec<unknown>>;
export type ConfigValues<S extends Specs> = { readonly [K in keyof S]: S[K] extends EnvSpec<infer T> ? T : never };

export interface ConfigSource {
  [variable: string]: string | undefined;
}

/** All declared namespaces, for documentation (README table, .env.example) and whole-config checks. */
export const CONFIG_REGISTRY: { namespace: string; specs: Specs }[] = [];

export function parseConfig<S extends Specs>(specs: S, source: ConfigSource): ConfigValues<S> {
  const problems: ConfigProblem[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(specs)) {
    try {
      out[key] = s.parse(source[s.variable]);
    } catch (err) {
      if (!(err instanceof EnvParseError)) throw err;
      problems.push({ variable: s.variable, message: err.message });
    }
  }
  if (problems.length) throw new ConfigValidationError(problems);
  return out as ConfigValues<S>;
}

/**
 * A typed `registerAs` namespace whose values are parsed from the environment. `parse` is exposed
 * for code that must read the configuration before Nest starts (CLI, test harness).
 */
export function defineConfig<S extends Specs>(namespace: string, specs: S) {
  CONFIG_REGISTRY.push({ namespace, specs });
  const factory = registerAs(namespace, () => parseConfig(specs, process.env));
  return Object.assign(factory, {
    namespace,
    specs,
    parse: (source: ConfigSource = process.env) => parseConfig(specs, source),
  });
}

/** Validates every registered namespace at once so a bad start reports all problems together. */
export function validateAllConfig(source: ConfigSource = process.env): void {
  const problems: ConfigProblem[] = [];
  for (const { specs } of CONFIG_REGISTRY) {
    try {
      parseConfig(specs, source);
    } catch (err) {
      if (err instanceof ConfigValidationError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) throw new ConfigValidationError(problems);
}
