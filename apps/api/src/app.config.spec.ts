import { ConfigValidationError } from '@user-engine/kernel';
import { resolveModules } from './app.config';

class A {}
class B {}
const registry = { a: { module: A }, b: { module: B } };

describe('resolveModules', () => {
  it('mounts every module when MODULES is unset, or the named subset', () => {
    expect(resolveModules([], registry)).toEqual(['a', 'b']);
    expect(resolveModules(['b'], registry)).toEqual(['b']);
    expect(resolveModules(['b', 'b'], registry)).toEqual(['b']);
  });

  it('refuses unknown names, listing what exists', () => {
    expect(() => resolveModules(['a', 'zz'], registry)).toThrow(ConfigValidationError);
    expect(() => resolveModules(['zz'], registry)).toThrow(
      'MODULES names unknown module(s) "zz"; expected a comma-separated subset of: a, b',
    );
    expect(() => resolveModules(['x'], {})).toThrow('(no feature modules in this build)');
  });
});
