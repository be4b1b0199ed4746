#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, which also lets users' scenario files be TypeScript.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
