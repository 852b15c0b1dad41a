import { Writable } from 'node:stream';
import { createRootLogger, PinoNestLogger, redactUrl } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: createRootLogger('info', stream) };
}

describe('logging', () => {
  it('redacts secrets at the top level, one and two levels deep, and in request headers', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        password: 'p1',
        body: { new_password: 'p2', refresh_token: 't1' },
        a: { b: { secret: 's1' } },
        req: { headers: { authorization: 'Bearer x', cookie: 'c' } },
        keep: 'visible',
      },
      'hello',
    );
    const text = JSON.stringify(lines[0]);
    for (const s of ['p1', 'p2', 't1', 's1', 'Bearer x', '"c"']) expect(text).not.toContain(s);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'hello', keep: 'visible', password: '[REDACTED]' });
  });

  it('masks token-like query parameters in URLs', () => {
    expect(redactUrl('/v1/verify?token=abc&next=/x&refresh_token=r')).toBe('/v1/verify?token=[REDACTED]&next=/x&refresh_token=[REDACTED]');
    expect(redactUrl('/v1/users?email=a@b.c')).toBe('/v1/users?email=a@b.c');
  });

  it('writes Nest log calls as JSON with their context', () => {
    const { lines, logger } = capture();
    const nest = new PinoNestLogger(logger);
    nest.log('started', 'Bootstrap');
    nest.error('failed', 'stack-trace', 'Worker');
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'started', context: 'Bootstrap' });
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'failed', context: 'Worker', stack: 'stack-trace' });
  });
});
