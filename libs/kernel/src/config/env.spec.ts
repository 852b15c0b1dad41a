import { ConfigValidationError, parseConfig } from './define-config';
import { env } from './env';

describe('env specs', () => {
  const specs = {
    port: env.port('PORT', { default: 3000, description: 'p' }),
    required: env.string('NAME', { description: 'n' }),
    flag: env.bool('FLAG', { default: false, description: 'f' }),
    size: env.bytes('SIZE', { default: 1024, description: 's' }),
    wait: env.duration('WAIT', { default: 1000, description: 'w' }),
    url: env.url('URL', { default: 'http://x', protocols: ['http', 'https'], description: 'u' }),
    level: env.oneOf('LEVEL', ['a', 'b'] as const, { default: 'a', description: 'l' }),
    list: env.list('LIST', { default: [], description: 'l' }),
    optional: env.optionalUrl('DB', { protocols: ['postgres'], description: 'd' }),
  };

  it('parses valid values and applies defaults', () => {
    expect(parseConfig(specs, { NAME: 'x', FLAG: 'yes', SIZE: '2mb', WAIT: '5m', LIST: 'a, b,,c', DB: 'postgres://h/db' })).toEqual({
      port: 3000,
      required: 'x',
      flag: true,
      size: 2 * 1024 * 1024,
      wait: 300_000,
      url: 'http://x',
      level: 'a',
      list: ['a', 'b', 'c'],
      optional: 'postgres://h/db',
    });
    expect(parseConfig(specs, { NAME: 'x', DB: '' }).optional).toBeUndefined();
  });

  it('reports every bad variable with what it expects', () => {
    let error: ConfigValidationError | undefined;
    try {
      parseConfig(specs, { PORT: '70000', FLAG: 'maybe', SIZE: '1gb', WAIT: '-1', URL: 'ftp://x', LEVEL: 'c', DB: 'mysql://x' });
    } catch (err) {
      error = err as ConfigValidationError;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error!.problems).toEqual([
      { variable: 'PORT', message: 'must be an integer between 0 and 65535, got 70000' },
      { variable: 'NAME', message: 'is required (a string)' },
      { variable: 'FLAG', message: 'must be true or false, got "maybe"' },
      { variable: 'SIZE', message: 'must be a size in bytes (e.g. 102400, 100kb, 1mb), got "1gb"' },
      { variable: 'WAIT', message: 'must be a duration (e.g. 500ms, 30s, 5m, 1h, 14d), got "-1"' },
      { variable: 'URL', message: 'must be a URL (http, https), got protocol "ftp:"' },
      { variable: 'LEVEL', message: 'must be one of a, b, got "c"' },
      { variable: 'DB', message: 'must be a URL (postgres), got protocol "mysql:"' },
    ]);
    expect(error!.message).toContain('  - PORT must be an integer between 0 and 65535, got 70000');
  });

  it('documents defaults in the units people write', () => {
    expect(specs.size.defaultText).toBe('1kb');
    expect(specs.wait.defaultText).toBe('1s');
    expect(env.duration('X', { default: 1500, description: '' }).defaultText).toBe('1500ms');
    expect(specs.required.defaultText).toBeUndefined();
  });
});
