import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// Always a production build: Vite keeps a NODE_ENV it finds set, and jest sets NODE_ENV=test, so a build started
// from a test (test/support/ui-build.ts) shipped Preact's debug paths: 156 KB instead of 131 KB.
process.env.NODE_ENV = 'production';

/** The dashboard, served by the service at /dashboard from dist/dashboard (see src/job-queue/web-ui). */
export default defineConfig({
  root: here,
  base: '/dashboard/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    // No source maps in the package: they would count against the 500 KB budget and serve no operator.
    sourcemap: false,
  },
});
