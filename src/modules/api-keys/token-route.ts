import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WardenError } from '../../errors/warden-error';
import { ExchangeRefused, type KeyAuth } from './key-auth';

export const TOKEN_PATH = '/oauth/token';
const MAX_FORM_BYTES = 8192;

const STATUS: Record<ExchangeRefused['error'], number> = { invalid_request: 400, invalid_scope: 400, unauthorized_client: 400, invalid_client: 401 };

function refuse(reply: FastifyReply, status: number, error: string, basic = false) {
  if (basic && status === 401) reply.header('www-authenticate', 'Basic realm="warden"');
  return reply.code(status).send({ error });
}

/** RFC 6749 §2.3.1: client_id and client_secret form-urlencoded, then Basic. */
function basicCredentials(header: string | undefined): { clientId: string; secret: string } | null | 'bad' {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return 'bad';
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'bad';
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return 'bad';
  }
}

/**
 * POST /oauth/token (contract, "API keys"): RFC 6749 §4.4 client credentials with an API key; errors as §5.2,
 * 429 with Retry-After past the key's rateLimitPerMinute. The key is never logged (Authorization and the body
 * are not in the request log).
 */
export function registerTokenRoute(fastify: FastifyInstance, auth: KeyAuth): void {
  void fastify.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: MAX_FORM_BYTES }, (_request, body, done) =>
      done(null, body),
    );
    // Any other content type reaches the handler unread (and is invalid_request there), not Fastify's 415.
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, null));
    // Fastify's own refusals here (a form over MAX_FORM_BYTES, malformed JSON) answer in §5.2's shape too, not
    // GraphQL's, and with no-store like every answer of this route.
    scope.setErrorHandler((error: { statusCode?: number }, request, reply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) return refuse(reply, 400, 'invalid_request');
      request.log.error({ err: error }, 'token request failed');
      return refuse(reply, 500, 'server_error');
    });
    scope.post(TOKEN_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const type = String(request.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      if (type !== 'application/x-www-form-urlencoded' || typeof request.body !== 'string') return refuse(reply, 400, 'invalid_request');
      const form = new URLSearchParams(request.body);
      for (const name of ['grant_type', 'scope', 'organization_id', 'client_id', 'client_secret'])
        if (form.getAll(name).length > 1) return refuse(reply, 400, 'invalid_request');
      const grant = form.get('grant_type');
      if (!grant) return refuse(reply, 400, 'invalid_request');
      if (grant !== 'client_credentials') return refuse(reply, 400, 'unsupported_grant_type');
      const basic = basicCredentials(request.headers.authorization);
      const inBody = form.get('client_secret');
      if (basic === 'bad') return refuse(reply, 401, 'invalid_client', true);
      if (basic && inBody !== null) return refuse(reply, 400, 'invalid_request');
      const credentials = basic ?? (inBody !== null ? { clientId: form.get('client_id'), secret: inBody } : null);
      if (!credentials) return refuse(reply, 401, 'invalid_client', true);
      try {
        const result = await auth.exchange({
          clientId: credentials.clientId,
          secret: credentials.secret,
          scope: form.get('scope'),
          organizationId: form.get('organization_id'),
        });
        return reply.send({ access_token: result.accessToken, token_type: 'Bearer', expires_in: result.expiresIn, scope: result.scope });
      } catch (error) {
        if (error instanceof ExchangeRefused) return refuse(reply, STATUS[error.error], error.error, !!basic);
        if (error instanceof WardenError && error.code === 'RATE_LIMITED') {
          reply.header('retry-after', String(error.extensions.retryAfter ?? 60));
          return refuse(reply, 429, 'rate_limited');
        }
        if (error instanceof WardenError && error.code === 'SERVICE_UNAVAILABLE') return refuse(reply, 503, 'temporarily_unavailable');
        throw error;
      }
    });
  });
}
