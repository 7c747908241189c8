/**
 * The Federation @requiresScopes annotation of a field (contract, "Federation"): a router that enforces it refuses
 * the field unless the token's `scope` (the active organization's permissions) holds the permission. Only the
 * subgraph SDL (FEDERATION_ENABLED) prints it; Warden checks the same permission itself, per organization.
 */
export function requiresScopes(...anyOf: string[]): string {
  return `@requiresScopes(scopes: [${anyOf.map((scope) => `[${JSON.stringify(scope)}]`).join(', ')}])`;
}
