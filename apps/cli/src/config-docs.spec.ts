import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigTable, renderEnvExample, TABLE_END, TABLE_START } from './config-docs';

const ROOT = join(__dirname, '..', '..', '..');

describe('configuration docs match the config schema', () => {
  it('README.md has the generated table (run `npm run docs:config` when this fails)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf(TABLE_START) + TABLE_START.length, readme.indexOf(TABLE_END)).trim();
    expect(table).toBe(renderConfigTable());
  });

  it('.env.example lists every variable', () => {
    expect(readFileSync(join(ROOT, '.env.example'), 'utf8')).toBe(renderEnvExample());
    for (const v of ['PORT', 'PUBLIC_URL', 'DATABASE_URL', 'MODULES', 'LOG_LEVEL', 'TRUST_PROXY', 'HTTP_BODY_LIMIT']) {
      expect(renderEnvExample()).toContain(`# ${v}=`);
    }
  });
});
