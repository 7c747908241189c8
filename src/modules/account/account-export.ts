import { auditRowsOf } from '../audit';
import { AuditEvents } from '../audit/audit-events';
import type { Viewer } from '../sessions/sessions.service';
import { isUuid } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import type { AccountContext } from './account-context';

/** Audit events shown by User.securityEvents: everything about the account but routine token refreshes. */
const HIDDEN_FROM_ACTIVITY = ['session.refreshed'];

export interface SecurityEventRow {
  id: string;
  type: string;
  outcome: string;
  method: string | null;
  createdAt: Date;
  ip: string | null;
  userAgent: string | null;
}

/** exportAccountData (every module's exportSections hooks, in module-list order) and the security activity (User.securityEvents). */
export class AccountExport {
  constructor(private readonly context: AccountContext) {}

  /** Everything stored about the viewer, without secrets; at most once an hour per account. */
  async exportAccountData(viewer: Viewer, meta: RequestMeta): Promise<Record<string, unknown>> {
    const { deps } = this.context;
    const used = await deps.kv.increment(`account:{${viewer.userId}}:export`, 3600);
    if (used.value > 1) throw WardenError.rateLimited(used.ttlSeconds);
    const em = deps.dataSource.manager;
    await this.context.loadUser(em, viewer.userId);
    const out: Record<string, unknown> = { exportedAt: deps.now().toISOString() };
    for (const [name, section] of deps.hooks.exportSections()) out[name] = await section(em, viewer.userId);
    await deps.audit.recordAlone({ event: AuditEvents.accountExported, userId: viewer.userId, meta });
    return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
  }

  /** The account's audit events, newest first; `after` is the endCursor of the page before. */
  async securityEvents(
    userId: string,
    first: number,
    after: string | null | undefined,
  ): Promise<{ nodes: SecurityEventRow[]; endCursor: string | null; hasNextPage: boolean }> {
    if (!Number.isInteger(first) || first < 1 || first > 100) throw WardenError.badInput('first is 1 to 100.', 'first');
    let afterId: string | null = null;
    if (after !== null && after !== undefined) {
      afterId = Buffer.from(after, 'base64url').toString('utf8');
      if (!isUuid(afterId)) throw WardenError.badInput('after is not a cursor from this list.', 'after');
    }
    const rows = await auditRowsOf(this.context.deps.dataSource.manager, userId, { take: first + 1, afterId, hidden: HIDDEN_FROM_ACTIVITY });
    const nodes = rows.slice(0, first).map((e) => ({
      id: e.id,
      type: e.event,
      outcome: e.outcome,
      method: typeof e.data?.method === 'string' ? e.data.method : null,
      createdAt: e.createdAt,
      ip: e.ip,
      userAgent: e.userAgent,
    }));
    const last = nodes.at(-1);
    return { nodes, endCursor: last ? Buffer.from(last.id, 'utf8').toString('base64url') : null, hasNextPage: rows.length > first };
  }
}
