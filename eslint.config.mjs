import { createRequire } from 'node:module';

// The configuration lives in CommonJS so the architecture test can load it inside Jest.
export default createRequire(import.meta.url)('./tools/eslint/config.js');
