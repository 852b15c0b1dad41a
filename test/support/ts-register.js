// Lets plain `node -r ./test/support/ts-register.js file.ts` run the TypeScript sources directly
// (child processes in tests, the CLI in development): transpiles .ts on require with the project's
// compiler options and resolves the `@user-engine/*` path aliases. No type checking here — `tsc`
// does that in CI.
const Module = require('node:module');
const { readFileSync, existsSync } = require('node:fs');
const { join, resolve } = require('node:path');
const ts = require('typescript');

const root = resolve(__dirname, '..', '..');
const { config } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
const compilerOptions = {
  ...options,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: undefined,
  sourceMap: false,
  inlineSourceMap: true,
  declaration: false,
};

const aliases = {
  '@user-engine/migrations': join(root, 'migrations', 'index.ts'),
};
function aliasFor(request) {
  if (aliases[request]) return aliases[request];
  const m = /^@user-engine\/([a-z-]+)$/.exec(request);
  if (m) {
    const file = join(root, 'libs', m[1], 'src', 'index.ts');
    if (existsSync(file)) return file;
  }
  return undefined;
}

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  return originalResolve.call(this, aliasFor(request) ?? request, parent, ...rest);
};

Module._extensions['.ts'] = function (module, filename) {
  const source = readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
