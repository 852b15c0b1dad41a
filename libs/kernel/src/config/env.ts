/**
 * Typed environment variables. Every setting is declared once with its variable name, default and
 * documentation, so validation, the README configuration table and `.env.example` share one source.
 */
export interface EnvSpec<T> {
  readonly variable: string;
  readonly description: string;
  /** Shown in docs; `undefined` means required. */
  readonly defaultText: string | undefined;
  readonly expected: string;
  readonly secret?: boolean;
  parse(raw: string | undefined): T;
}

export class EnvParseError extends Error {}

interface Common<T> {
  default?: T;
  description: string;
  secret?: boolean;
}

function spec<T>(
  variable: string,
  opts: Common<T>,
  expected: string,
  parseValue: (raw: string) => T,
  show: (v: T) => string = (v) => String(v),
): EnvSpec<T> {
  return {
    variable,
    description: opts.description,
    defaultText: opts.default === undefined ? undefined : show(opts.default),
    expected,
    secret: opts.secret,
    parse(raw) {
      if (raw === undefined || raw.trim() === '') {
        if (opts.default === undefined) throw new EnvParseError(`is required (${expected})`);
        return opts.default;
      }
      return parseValue(raw.trim());
    },
  };
}

export const env = {
  string(variable: string, opts: Common<string> & { pattern?: RegExp; patternText?: string }): EnvSpec<string> {
    const expected = opts.patternText ?? 'a string';
    return spec(variable, opts, expected, (raw) => {
      if (opts.pattern && !opts.pattern.test(raw)) throw new EnvParseError(`must be ${expected}, got "${raw}"`);
      return raw;
    });
  },

  optionalString(variable: string, opts: { description: string; secret?: boolean; expected?: string }): EnvSpec<string | undefined> {
    return {
      variable,
      description: opts.description,
      defaultText: '',
      expected: opts.expected ?? 'a string',
      secret: opts.secret,
      parse: (raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim()),
    };
  },

  int(variable: string, opts: Common<number> & { min?: number; max?: number }): EnvSpec<number> {
    const range =
      opts.min !== undefined && opts.max !== undefined
        ? ` between ${opts.min} and ${opts.max}`
        : opts.min !== undefined
          ? ` ≥ ${opts.min}`
          : '';
    const expected = `an integer${range}`;
    return spec(variable, opts, expected, (raw) => {
      if (!/^-?\d+$/.test(raw)) throw new EnvParseError(`must be ${expected}, got "${raw}"`);
      const n = Number(raw);
      if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
        throw new EnvParseError(`must be ${expected}, got ${n}`);
      }
      return n;
    });
  },

  port(variable: string, opts: Common<number>): EnvSpec<number> {
    return env.int(variable, { ...opts, min: 0, max: 65535 });
  },

  bool(variable: string, opts: Common<boolean>): EnvSpec<boolean> {
    return spec(variable, opts, 'true or false', (raw) => {
      const v = raw.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw new EnvParseError(`must be true or false, got "${raw}"`);
    });
  },

  oneOf<const T extends string>(variable: string, values: readonly T[], opts: Common<T>): EnvSpec<T> {
    const expected = `one of ${values.join(', ')}`;
    return spec(variable, opts, expected, (raw) => {
      if (!(values as readonly string[]).includes(raw)) throw new EnvParseError(`must be ${expected}, got "${raw}"`);
      return raw as T;
    });
  },

  url(variable: string, opts: Common<string> & { protocols: readonly string[] }): EnvSpec<string> {
    const expected = `a URL (${opts.protocols.join(', ')})`;
    return spec(variable, opts, expected, (raw) => {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw new EnvParseError(`must be ${expected}, got an unparsable value`);
      }
      if (!opts.protocols.includes(u.protocol.replace(/:$/, ''))) {
        throw new EnvParseError(`must be ${expected}, got protocol "${u.protocol}"`);
      }
      return raw;
    });
  },

  optionalUrl(
    variable: string,
    opts: { description: string; protocols: readonly string[]; secret?: boolean },
  ): EnvSpec<string | undefined> {
    const inner = env.url(variable, { ...opts, default: '' });
    return {
      ...inner,
      defaultText: '',
      parse: (raw) => (raw === undefined || raw.trim() === '' ? undefined : inner.parse(raw)),
    };
  },

  /** Byte sizes: `1048576`, `100kb`, `1mb`. */
  bytes(variable: string, opts: Common<number>): EnvSpec<number> {
    const expected = 'a size in bytes (e.g. 102400, 100kb, 1mb)';
    return spec(
      variable,
      opts,
      expected,
      (raw) => {
        const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw);
        if (!m) throw new EnvParseError(`must be ${expected}, got "${raw}"`);
        const unit = (m[2] ?? 'b').toLowerCase();
        const n = Number(m[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
        if (n < 1) throw new EnvParseError(`must be ${expected} greater than 0`);
        return n;
      },
      (v) => (v % 1024 === 0 ? `${v / 1024}kb` : String(v)),
    );
  },

  /** Durations in milliseconds: `500ms`, `30s`, `5m`, `1h`, `14d`, or a bare number of milliseconds. */
  duration(variable: string, opts: Common<number>): EnvSpec<number> {
    const expected = 'a duration (e.g. 500ms, 30s, 5m, 1h, 14d)';
    const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
    return spec(
      variable,
      opts,
      expected,
      (raw) => {
        const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(raw);
        if (!m) throw new EnvParseError(`must be ${expected}, got "${raw}"`);
        return Number(m[1]) * units[m[2] ?? 'ms'];
      },
      (v) => {
        for (const [u, f] of [
          ['d', 86_400_000],
          ['h', 3_600_000],
          ['m', 60_000],
          ['s', 1000],
        ] as const) {
          if (v >= f && v % f === 0) return `${v / f}${u}`;
        }
        return `${v}ms`;
      },
    );
  },

  /** A value with its own parser (JSON lists, keys): `parse` throws EnvParseError with what is wrong. */
  custom<T>(variable: string, opts: Common<T> & { expected: string; parse: (raw: string) => T; show?: (v: T) => string }): EnvSpec<T> {
    return spec(variable, opts, opts.expected, opts.parse, opts.show);
  },

  list(variable: string, opts: Common<readonly string[]>): EnvSpec<readonly string[]> {
    return spec(
      variable,
      opts,
      'a comma-separated list',
      (raw) =>
        raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      (v) => v.join(','),
    );
  },

  /** A non-empty comma-separated subset of `values` (duplicates dropped). */
  subset<T extends string>(variable: string, opts: Common<readonly T[]> & { values: readonly T[] }): EnvSpec<readonly T[]> {
    return spec(
      variable,
      opts,
      `a comma-separated subset of ${opts.values.join(', ')}`,
      (raw) => {
        const items = [
          ...new Set(
            raw
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          ),
        ];
        const unknown = items.filter((i) => !opts.values.includes(i as T));
        if (!items.length || unknown.length)
          throw new EnvParseError(`must be a comma-separated subset of ${opts.values.join(', ')}, got "${raw}"`);
        return items as T[];
      },
      (v) => v.join(','),
    );
  },

  /**
   * A JSON document, handed to `validate` (which returns the typed value or throws EnvParseError
   * naming what is wrong). For structured settings such as a default catalog.
   */
  json<T>(variable: string, opts: Common<T> & { expected: string; validate: (value: unknown) => T }): EnvSpec<T> {
    return spec(
      variable,
      opts,
      opts.expected,
      (raw) => {
        let value: unknown;
        try {
          value = JSON.parse(raw);
        } catch {
          throw new EnvParseError(`must be JSON (${opts.expected})`);
        }
        return opts.validate(value);
      },
      () => '(built-in, see the description)',
    );
  },
};
