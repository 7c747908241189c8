import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { tableOf } from '../../db/table-of';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import type { Admins, AdminViewer } from '../admin/admins';
import type { SessionsService } from '../sessions/sessions.service';
import type { AuditService } from './audit.service';
import { AuditEvents } from './audit-events';
import { AuditEventEntity } from './audit-event.entity';
import { copyExportStream } from './audit-export-copy';
import { checkAuditFilter, type AuditFilter } from './audit-query';

export { exportLine } from './audit-export-line';

export const AUDIT_EXPORT_PATH = '/admin/audit/export';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export interface AuditExportDeps {
  dataSource: DataSource;
  admins: Admins;
  sessions: SessionsService;
  audit: AuditService;
  /** TRUST_PROXY, for the route's request meta. */
  trustProxy: number;
}

/** An HTTP answer that is not the stream: status and JSON body. */
class Refusal {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {}
}

/**
 * GET /admin/audit/export: the sealed rows in chain order as NDJSON, up to the head sealed when the request started,
 * as pages of `COPY (SELECT <line built by PostgreSQL> …) TO STDOUT` (audit-export-copy.ts), the next page read only
 * when the socket has taken the one before: memory stays flat whatever the range, and no JS object is made per row.
 */
export class AuditExport {
  constructor(private readonly deps: AuditExportDeps) {}

  get settings(): { trustProxy: number } {
    return { trustProxy: this.deps.trustProxy };
  }

  async handle(request: FastifyRequest, reply: FastifyReply, meta: RequestMeta): Promise<unknown> {
    try {
      const admin = await this.authorize(request);
      const filter = parseExportQuery(request.query as Record<string, unknown>);
      const em = this.deps.dataSource.manager;
      const [{ head }] = (await em.query(`SELECT max(chain_sequence)::text AS head FROM ${tableOf(em, AuditEventEntity)}`)) as { head: string | null }[];
      await this.deps.audit.recordAlone({
        event: AuditEvents.auditExported,
        userId: admin.userId,
        actorId: admin.userId,
        meta,
        data: { ...filter, headSequence: head },
      });
      reply.header('content-type', 'application/x-ndjson; charset=utf-8').header('cache-control', 'no-store');
      return reply.send(head === null ? Readable.from([]) : copyExportStream(this.deps.dataSource, filter, head));
    } catch (error) {
      const refusal = error instanceof Refusal ? error : refusalOf(error);
      if (!refusal) throw error;
      if (refusal.status === 401) reply.header('www-authenticate', 'Bearer');
      return reply.code(refusal.status).header('cache-control', 'no-store').send(refusal.body);
    }
  }

  /** The admin check of every admin field (Admins.requireAdmin); API keys and their tokens are refused first. */
  private async authorize(request: FastifyRequest): Promise<AdminViewer> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new Refusal(401, { error: 'UNAUTHENTICATED' });
    const token = match[1]!;
    if (token.startsWith('wdn_') || isKeyToken(token)) throw new Refusal(403, { error: 'FORBIDDEN', reason: 'API_KEY' });
    return this.deps.admins.requireAdmin({ requireViewer: () => this.deps.sessions.authenticate(token) });
  }
}

/** An API key's exchanged access token (POST /oauth/token): it names a `client_id` and no session. Not verified here: it is refused either way. */
function isKeyToken(token: string): boolean {
  const payload = token.split('.')[1];
  if (!payload) return false;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof claims.client_id === 'string' && claims.sid === undefined;
  } catch {
    return false;
  }
}

function refusalOf(error: unknown): Refusal | null {
  if (!(error instanceof WardenError)) return null;
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return new Refusal(401, { error: 'UNAUTHENTICATED' });
    case 'FORBIDDEN':
      return new Refusal(403, { error: 'FORBIDDEN', reason: error.extensions.reason ?? null });
    case 'REAUTHENTICATION_REQUIRED':
      return new Refusal(403, { error: 'FORBIDDEN', reason: 'REAUTHENTICATION_REQUIRED', requiredAal: error.extensions.requiredAal ?? null });
    case 'BAD_USER_INPUT':
      return new Refusal(400, { error: 'BAD_USER_INPUT', field: error.extensions.field ?? null });
    default:
      return null;
  }
}

// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /\p{Surrogate}/u;

/** since/until (RFC 3339), type (repeatable), organizationId, userId; BAD_USER_INPUT naming the first bad one. */
export function parseExportQuery(query: Record<string, unknown>): AuditFilter {
  const one = (name: string): string | null => {
    const value = query[name];
    if (value === undefined) return null;
    if (typeof value !== 'string') throw WardenError.badInput(`${name} is given once.`, name);
    return value;
  };
  const time = (name: string): Date | null => {
    const value = one(name);
    if (value === null) return null;
    const date = new Date(value);
    if (!RFC3339.test(value) || Number.isNaN(date.getTime())) throw WardenError.badInput(`${name} is not an RFC 3339 time.`, name);
    // Years 0 and 10000 (9999-12-31T23:59:59-23:59) are valid to JavaScript, not as PostgreSQL's timestamptz literal.
    const year = date.getUTCFullYear();
    if (year < 1 || year > 9999) throw WardenError.badInput(`${name} must fall in the years 1 to 9999.`, name);
    return date;
  };
  const rawTypes = query.type;
  const types = rawTypes === undefined ? null : Array.isArray(rawTypes) ? rawTypes.map(String) : [String(rawTypes)];
  // What GraphQL's input guard refuses in an argument: a NUL or another control character, a lone surrogate.
  for (const type of types ?? []) {
    if (CONTROL.test(type) || LONE_SURROGATE.test(type)) throw WardenError.badInput('type must not contain control characters.', 'type');
  }
  const filter: AuditFilter = { since: time('since'), until: time('until'), types, organizationId: one('organizationId'), userId: one('userId') };
  try {
    checkAuditFilter(filter, '');
  } catch (error) {
    // The query parameter is `type` (repeatable), the filter's field `types`.
    if (error instanceof WardenError && error.extensions.field === 'types') throw WardenError.badInput(error.message, 'type');
    throw error;
  }
  return filter;
}
