import type { DeclaringModule, RouteDeclaration } from '../modules/declaration-types';
import { declaredEntriesOf, moduleDeclarationList } from '../modules/declarations';

/** The routes the server itself registers (src/http/server.ts, src/http/metrics-route.ts), beside the modules' own. */
export const coreRoutes: readonly RouteDeclaration[] = [
  {
    method: 'POST',
    path: '/graphql',
    doc: 'GraphQL (JSON); CSRF prevention refuses a "simple" request (form content type, no preflight header)',
  },
  {
    method: 'GET',
    path: '/graphql',
    doc: 'queries only, never mutations (with a preflight-forcing header such as `apollo-require-preflight: true`); in a browser outside production, Apollo Sandbox',
  },
  { method: 'OPTIONS', path: '/graphql', doc: 'CORS preflight of /graphql (origins from CORS_ORIGINS)' },
  { method: 'OPTIONS', path: '*', doc: 'CORS preflight of any other path (@fastify/cors)' },
  { method: 'GET', path: '/healthz', doc: '200 while the process runs' },
  { method: 'GET', path: '/readyz', doc: '200 when PostgreSQL and the key-value store answer, else 503 with `failed: [...]`' },
  {
    method: 'GET',
    path: '/metrics',
    doc: 'Prometheus text format: with METRICS_TOKEN only to `Authorization: Bearer <METRICS_TOKEN>`; with METRICS_PORT only on that port; in production without either, not served',
  },
];

/** Every HTTP route: the core ones and each module's `httpRoutes` (default: the product's modules), with the module that serves it. */
export function routeTable(modules: readonly DeclaringModule[] = moduleDeclarationList): readonly (RouteDeclaration & { module: string })[] {
  return [...coreRoutes.map((r) => ({ ...r, module: 'core' })), ...declaredEntriesOf(modules).httpRoutes.map((e) => ({ ...e.value, module: e.module }))];
}
