import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// Always a production build, as the dashboard's (see its vite.config.mts): jest's NODE_ENV=test, kept by Vite, made
// builds started from tests ship React's development build.
process.env.NODE_ENV = 'production';

/** GraphiQL, served by the service at /graphiql from dist/graphiql (see src/job-queue/web-ui). */
export default defineConfig({
  root: here,
  base: '/graphiql/',
  // monaco's language workers (graphiql/setup-workers/vite) are ES modules: built as files of their own, same origin.
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('../../dist/graphiql', import.meta.url)),
    emptyOutDir: true,
    // No source maps in the package: monaco's alone would add megabytes no operator reads.
    sourcemap: false,
    // GraphiQL is monaco plus React: its main chunk is large by nature, and loaded once then cached immutable.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      // framer-motion (in GraphiQL's dialogs) marks its modules "use client", a directive for React server
      // components that means nothing in a browser-only bundle: dozens of warnings that hide real ones.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
