import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { serve } from './serve';

// A local .env is read first; real environment variables win over it.
if (existsSync('.env')) process.loadEnvFile('.env');
void serve();
