import { ESLint } from 'eslint';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require('../tools/eslint/config.js');

describe('architecture rules (ESLint)', () => {
  const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: config });

  async function problems(file: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
    return result.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
  }

  it('a module may import another module’s public entry point (allowed)', async () => {
    expect(await problems('libs/account/src/x.ts', `import { Tenancy } from '@user-engine/tenancy';\nexport const t = Tenancy;\n`)).toEqual(
      [],
    );
    expect(await problems('libs/account/src/x.ts', `import { Scopes } from '@user-engine/kernel';\nexport const s = Scopes;\n`)).toEqual(
      [],
    );
    expect(await problems('libs/account/src/a/x.ts', `import { y } from '../b/y';\nexport const z = y;\n`)).toEqual([]);
  });

  it('refuses deep imports into another module (denied)', async () => {
    expect(
      await problems(
        'libs/account/src/x.ts',
        `import { T } from '@user-engine/tenancy/src/persistence/tenant.entity';\nexport const t = T;\n`,
      ),
    ).toEqual([
      "user-engine/module-boundaries: Import 'tenancy' through its public entry '@user-engine/tenancy', not '@user-engine/tenancy/src/persistence/tenant.entity'.",
    ]);
  });

  it('refuses relative imports that reach into another module (denied)', async () => {
    expect(
      await problems('libs/account/src/x.ts', `import { T } from '../../tenancy/src/persistence/tenant.entity';\nexport const t = T;\n`),
    ).toEqual([
      "user-engine/module-boundaries: '../../tenancy/src/persistence/tenant.entity' reaches into libs/tenancy: import '@user-engine/tenancy' instead.",
    ]);
    expect(
      await problems('apps/api/src/x.ts', `import { K } from '../../../libs/kernel/src/kernel.module';\nexport const k = K;\n`),
    ).toHaveLength(1);
  });

  it('refuses a feature module dependency in the kernel', async () => {
    expect(await problems('libs/kernel/src/x.ts', `import { A } from '@user-engine/account';\nexport const a = A;\n`)).toEqual([
      "user-engine/module-boundaries: libs/kernel is foundation code and must not depend on the feature module 'account'.",
    ]);
  });

  it('refuses forwardRef and request-scoped providers', async () => {
    expect(
      await problems('libs/account/src/x.ts', `import { forwardRef } from '@nestjs/common';\nexport const r = forwardRef(() => Object);\n`),
    ).toHaveLength(2);
    expect(await problems('libs/account/src/x.ts', `import { Scope } from '@nestjs/common';\nexport const s = Scope.REQUEST;\n`)).toEqual([
      'no-restricted-syntax: No request-scoped providers: carry request state in CLS.',
    ]);
  });

  it('refuses console.log in library code, allows it in the CLI', async () => {
    expect(await problems('libs/kernel/src/x.ts', `console.log('hi');\n`)).toEqual(['no-console: Unexpected console statement.']);
    expect(await problems('apps/cli/src/x.ts', `console.log('hi');\n`)).toEqual([]);
  });

  it('the repository itself follows the rules', async () => {
    // lintText per file: ESLint's file walker uses dynamic import(), which Jest's runtime lacks.
    const files = ['apps', 'libs', 'migrations'].flatMap((dir) =>
      (readdirSync(join(ROOT, dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)),
    );
    expect(files.length).toBeGreaterThan(20);
    const errors: string[] = [];
    for (const file of files) {
      for (const p of await problems(file, readFileSync(join(ROOT, file), 'utf8'))) errors.push(`${file}: ${p}`);
    }
    expect(errors).toEqual([]);
  });
});
