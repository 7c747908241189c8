/** Who asked: what the domain records about a request (audit rows, rate-limit keys). Built by src/http/request-meta.ts. */
export interface RequestMeta {
  requestId: string;
  /** The client IP: the socket's, or from X-Forwarded-For only as far as TRUST_PROXY hops allow. */
  ip: string | null;
  userAgent: string | null;
  /** Who acts when it is not the signed-in user: the admin behind an impersonation session (audit rows' actor_id). */
  actorId?: string | null;
  /** The API key the request came with (set once the bearer is known to be one): audit rows carry it as data.apiKeyId. */
  apiKeyId?: string;
}
