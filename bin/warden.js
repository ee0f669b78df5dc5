#!/usr/bin/env node
// The `warden` command. It runs the compiled CLI when `npm run build` has made one (dist/src/cli.js), and
// otherwise the TypeScript source through tsx, so `npx warden …` works straight after `npm install`.
// WARDEN_FROM_SOURCE=1 runs the source even when a build is there (a build older than the source is
// not noticed on its own).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/src/cli.js', import.meta.url);
if (process.env.WARDEN_FROM_SOURCE !== '1' && existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  // The project's tsconfig whatever the working folder: type-graphql's decorators need its settings.
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  await import(new URL('../src/cli.ts', import.meta.url).href);
}
