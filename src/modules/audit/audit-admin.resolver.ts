import { Arg, Ctx, Directive, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import type { Admins } from '../admin/admins';
import { requiresScopes } from '../organizations/requires-scopes';
import type { AuditReader } from './audit-query';
import { AuditChainVerificationType, AuditEventConnectionType } from './audit.types';
import { toAuditEvent } from './audit-export-line';
import { AuditEventFilterInput } from './audit.inputs';

const ADMIN = requiresScopes('warden:admin');

/** adminAuditEvents and adminVerifyAuditChain: every call through Admins.requireAdmin (contract, "Administration"). */
@Resolver()
export class AuditAdminResolver {
  constructor(
    private readonly reader: AuditReader,
    private readonly admins: Admins,
  ) {}

  @Directive(ADMIN)
  @Query(() => AuditEventConnectionType, { description: 'Newest first (createdAt, id), sealed rows and those not sealed yet.' })
  async adminAuditEvents(
    @Ctx() ctx: Context,
    @Arg('filter', () => AuditEventFilterInput, { nullable: true }) filter: AuditEventFilterInput | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<AuditEventConnectionType> {
    await this.admins.requireAdmin(ctx);
    const page = await this.reader.events(filter, first ?? 50, after);
    return { ...page, nodes: page.nodes.map(toAuditEvent) };
  }

  @Directive(ADMIN)
  @Query(() => AuditChainVerificationType, { description: 'Walks the whole sealed chain.' })
  async adminVerifyAuditChain(@Ctx() ctx: Context): Promise<AuditChainVerificationType> {
    await this.admins.requireAdmin(ctx);
    return this.reader.verify();
  }
}
