// ESLint rule: modules talk only through each other's public entry point (`@user-engine/<module>`).
// - no deep imports (`@user-engine/kernel/src/...`, `@user-engine/x/y`);
// - no relative import that leaves its own module folder (libs/<name>/ or apps/<name>/) into a lib;
// - the kernel and contracts know no feature module.
const { dirname, resolve, relative, sep } = require('node:path');

const ROOT = resolve(__dirname, '..', '..');
const FOUNDATION = new Set(['kernel', 'contracts']);

function owner(file) {
  const parts = relative(ROOT, file).split(sep);
  if ((parts[0] === 'libs' || parts[0] === 'apps') && parts.length > 2) return { area: parts[0], name: parts[1] };
  return undefined;
}

module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'enforce module boundaries between libs/* and apps/*' },
    schema: [],
    messages: {
      deep: "Import '{{module}}' through its public entry '@user-engine/{{module}}', not '{{source}}'.",
      relative: "'{{source}}' reaches into libs/{{target}}: import '@user-engine/{{target}}' instead.",
      foundation: "libs/{{from}} is foundation code and must not depend on the feature module '{{target}}'.",
    },
  },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const from = owner(file);
    if (!from) return {};
    function check(node, source) {
      if (typeof source !== 'string') return;
      const pkg = /^@user-engine\/([a-z-]+)(\/.*)?$/.exec(source);
      if (pkg) {
        if (pkg[2]) context.report({ node, messageId: 'deep', data: { module: pkg[1], source } });
        else if (from.area === 'libs' && FOUNDATION.has(from.name) && !FOUNDATION.has(pkg[1]))
          context.report({ node, messageId: 'foundation', data: { from: from.name, target: pkg[1] } });
        return;
      }
      if (!source.startsWith('.')) return;
      const target = owner(resolve(dirname(file), source) + sep + 'x');
      if (target && target.area === 'libs' && !(from.area === 'libs' && target.name === from.name)) {
        context.report({ node, messageId: 'relative', data: { source, target: target.name } });
      }
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      'CallExpression[callee.name="require"]': (node) => node.arguments[0]?.type === 'Literal' && check(node, node.arguments[0].value),
    };
  },
};
