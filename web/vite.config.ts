import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * The gateway's two pages, built once at install (`npm run build:web`, run by `prepare`) into dist/web and
 * served by the gateway itself: /console (the admin console) and /graphiql (the explorer, also at /graphql
 * for a browser). Everything they load is here: no CDN, no web fonts, no inline script.
 */
export default defineConfig({
  root: here('.'),
  base: '/assets/',
  plugins: [react()],
  // One copy of graphql for GraphiQL and our code.
  resolve: { dedupe: ['graphql', 'react', 'react-dom'] },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    // Hashed file names under /assets/ (served as immutable); the pages themselves at the top.
    assetsDir: '.',
    // Nothing inlined as data: URLs, so the pages' policy needs no data: sources.
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: { console: here('console/index.html'), explorer: here('explorer/index.html') },
    },
  },
});
