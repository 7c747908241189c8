import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The gateway's /graphql is proxied, so the app and the API share one origin: the warden_refresh cookie
// (Path=/graphql, SameSite=Lax) travels with every GraphQL request and no CORS is involved.
// WARDEN_URL: where the gateway listens (default http://localhost:4000).
const wardenUrl = process.env.WARDEN_URL ?? 'http://localhost:4000';
const proxy = { '/graphql': { target: wardenUrl, changeOrigin: false } };

// @warden/client (packages/client, a workspace of the repository) is bundled from its TypeScript source, so
// neither `npm run web:dev` nor `web:build` needs it built first. An app outside this repository installs the
// package and drops this alias.
const wardenClient = fileURLToPath(new URL('../../packages/client/src/', import.meta.url));
const alias = [
  { find: /^@warden\/client$/, replacement: `${wardenClient}index.ts` },
  { find: /^@warden\/client\/(apollo|urql)$/, replacement: `${wardenClient}$1.ts` },
];

export default defineConfig({
  resolve: { alias },
  // No @vitejs/plugin-react: esbuild compiles JSX with React's automatic runtime.
  esbuild: { jsx: 'automatic' },
  server: { port: 5173, strictPort: true, proxy },
  preview: { port: 4173, strictPort: true, proxy },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
});
