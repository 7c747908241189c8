import type { EntityManager } from 'typeorm';
import type { RequestMeta } from '../request-meta';

/**
 * Who acts when the bearer is an API key or a token exchanged for one (contract, "API keys"). The transport
 * (src/graphql/context.ts) asks the bearerAuthenticator hook for it; the api-key plugin limits what it may run.
 */
export interface ApiKeyPrincipal {
  apiKeyId: string;
  /** wdn_ + 12: the client_id. */
  prefix: string;
  /** The organization the key (or its token) acts as or in; null: a personal key used without one. */
  organizationId: string | null;
  /** A personal key's owner (the viewer it acts as); null for an organization's key (viewer is null). */
  userId: string | null;
  createdByUserId: string;
  /** The key's own scopes (a token: its scope claim); the effective ones are these ∩ the creator's permissions now. */
  scopes: readonly string[];
  /** For an organization's key: the effective scopes now (sorted). A personal key: its scopes (the services add the owner's check). */
  effectiveScopes: readonly string[];
  /** Lower-hex SHA-256 of the documents it may run; [] means any. */
  allowedOperations: readonly string[];
  via: 'key' | 'token';
}

/** Given by the api-keys module; asked by the transport for every bearer it accepts. */
export interface BearerAuthenticator {
  /** Whether this bearer is a key or an exchanged token (a cheap look at its shape, no I/O). */
  accepts(token: string): boolean;
  /** UNAUTHENTICATED for a bad, expired or revoked key or token; RATE_LIMITED past the key's limit. */
  authenticate(token: string, meta: RequestMeta): Promise<ApiKeyPrincipal>;
}

/**
 * Asked at every use of a key about its creator (and a personal key's owner): false makes the key answer as unknown.
 * The admin module plugs a ban check in here (contract, "Administration": a banned user's keys stop). Database only.
 */
export type ApiKeyOwnerCheck = (em: EntityManager, userId: string) => Promise<boolean>;
