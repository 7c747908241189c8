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
import { CHAIN_COLUMNS, type ChainRow } from './audit-chain';
import { auditFilterSql, checkAuditFilter, type AuditFilter } from './audit-query';

export const AUDIT_EXPORT_PATH = '/admin/audit/export';
/** Rows per keyset page: what the stream holds in memory at most, besides the socket's buffer. */
export const EXPORT_PAGE = 500;

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
 * read in keyset pages of the chain (`chain_sequence > last … LIMIT`) and written as the socket takes them
 * (Readable.from pulls the next page only when the consumer asks): memory stays flat whatever the range.
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
      return reply.send(Readable.from(this.lines(filter, head), { objectMode: false }));
    } catch (error) {
      const refusal = error instanceof Refusal ? error : refusalOf(error);
      if (!refusal) throw error;
      if (refusal.status === 401) reply.header('www-authenticate', 'Bearer');
      return reply.code(refusal.status).header('cache-control', 'no-store').send(refusal.body);
    }
  }

  /** The rows' lines, page by page; nothing once the head (read at the start) is passed. */
  async *lines(filter: AuditFilter, head: string | null): AsyncGenerator<string> {
    if (head === null) return;
    const em = this.deps.dataSource.manager;
    const table = tableOf(em, AuditEventEntity);
    let after = '0';
    for (;;) {
      const params: unknown[] = [after, head];
      const where = ['e.chain_sequence > $1', 'e.chain_sequence <= $2', ...auditFilterSql(filter, params)];
      const rows = (await em.query(
        `SELECT ${CHAIN_COLUMNS} FROM ${table} e WHERE ${where.join(' AND ')} ORDER BY e.chain_sequence LIMIT $${params.push(EXPORT_PAGE)}`,
        params,
      )) as ChainRow[];
      if (rows.length > 0) yield rows.map(exportLine).join('');
      if (rows.length < EXPORT_PAGE) return;
      after = rows.at(-1)!.chainSequence!;
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

/** One NDJSON line: the fields of AuditEvent plus personalDigest. */
export function exportLine(row: ChainRow): string {
  return `${JSON.stringify({
    id: row.id,
    type: row.event,
    outcome: row.outcome,
    createdAt: row.createdAt.toISOString(),
    userId: row.userId,
    actorId: row.actorId,
    organizationId: row.organizationId,
    ip: row.ip,
    userAgent: row.userAgent,
    data: row.data ?? {},
    chainSequence: row.chainSequence,
    prevHash: row.prevHash,
    hash: row.hash,
    personalDigest: row.personalDigest,
  })}\n`;
}

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
    return date;
  };
  const rawTypes = query.type;
  const types = rawTypes === undefined ? null : Array.isArray(rawTypes) ? rawTypes.map(String) : [String(rawTypes)];
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
