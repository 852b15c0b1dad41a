// Jest (on Node 20) cannot `require()` an ES module, and NestJS 12 and some of its dependencies
// ship ESM only. This transformer rewrites those ESM files to CommonJS for Jest; CommonJS files pass
// through untouched. At run time Node's own require(esm) loads them, so only tests need this.
const { createHash } = require('node:crypto');
const { readFileSync, existsSync } = require('node:fs');
const { dirname, join } = require('node:path');
const babel = require('@babel/core');

const typeCache = new Map();

// ESM files often declare `const require = createRequire(import.meta.url)`; once converted to
// CommonJS that local would shadow the module's own `require`, so it is renamed first.
function renameLocalRequire() {
  return {
    visitor: {
      Program(path) {
        if (path.scope.hasOwnBinding('require')) path.scope.rename('require', '__esmLocalRequire');
      },
    },
  };
}

function packageType(dir) {
  if (typeCache.has(dir)) return typeCache.get(dir);
  let type = 'commonjs';
  const pkg = join(dir, 'package.json');
  if (existsSync(pkg)) {
    try {
      const parsed = JSON.parse(readFileSync(pkg, 'utf8'));
      // A nested package.json without "name"/"type" (e.g. dist/cjs markers) still decides if it has "type".
      if (parsed.type) type = parsed.type;
      else if (!parsed.name) type = packageType(dirname(dir));
    } catch {
      type = packageType(dirname(dir));
    }
  } else if (dirname(dir) !== dir) {
    type = packageType(dirname(dir));
  }
  typeCache.set(dir, type);
  return type;
}

function isEsm(filename) {
  if (filename.endsWith('.mjs')) return true;
  if (filename.endsWith('.cjs')) return false;
  return packageType(dirname(filename)) === 'module';
}

module.exports = {
  getCacheKey(source, filename) {
    return createHash('sha1').update('esm-interop-v3\0').update(filename).update('\0').update(source).digest('hex');
  },
  process(source, filename) {
    if (!isEsm(filename)) return { code: source };
    const out = babel.transformSync(source, {
      filename,
      babelrc: false,
      configFile: false,
      sourceMaps: 'inline',
      plugins: [
        renameLocalRequire,
        'babel-plugin-transform-import-meta',
        '@babel/plugin-transform-dynamic-import',
        '@babel/plugin-transform-modules-commonjs',
      ],
    });
    return { code: out.code };
  },
};
