import { auditStatements } from './audit-statements';
import { AuditService } from './audit.service';

const names = { table: (entity: unknown) => `"${(entity as { name: string }).name}"` };

describe('auditStatements', () => {
  it('inserts rows passed as nine arrays, in the columns AuditService.toRow fills, under the given condition', () => {
    const sql = auditStatements.insertRows(names, ['$9', '$10', '$11', '$12', '$13', '$14', '$15', '$16', '$17'], 'EXISTS (SELECT 1 FROM s)');
    expect(sql.replace(/\s+/g, ' ')).toBe(
      'INSERT INTO "AuditEventEntity" (id, event, outcome, user_id, actor_id, organization_id, ip, user_agent, data) ' +
        'SELECT * FROM unnest($9::uuid[], $10::text[], $11::text[], $12::uuid[], $13::uuid[], $14::uuid[], $15::text[], $16::text[], $17::jsonb[]) WHERE EXISTS (SELECT 1 FROM s)',
    );
    const row = AuditService.toRow({
      event: 'session.created',
      userId: 'u1',
      meta: { requestId: 'r1', ip: '1.2.3.4', userAgent: 'ua' },
      data: { sessionId: 's1' },
    });
    expect(auditStatements.values([row])).toEqual([
      [row.id],
      ['session.created'],
      ['success'],
      ['u1'],
      [null],
      [null],
      ['1.2.3.4'],
      ['ua'],
      ['{"sessionId":"s1"}'],
    ]);
  });

  it("fills actor_id from the record or the request's acting admin, organization_id from the record or data", () => {
    const meta = { requestId: 'r1', ip: null, userAgent: null, actorId: 'admin-1' };
    expect(AuditService.toRow({ event: 'session.created', userId: 'u1', meta }).actorId).toBe('admin-1');
    expect(AuditService.toRow({ event: 'session.created', userId: 'u1', actorId: 'a2', meta }).actorId).toBe('a2');
    expect(AuditService.toRow({ event: 'session.created', userId: 'u1' }).actorId).toBeNull();
    expect(AuditService.toRow({ event: 'member.removed', data: { organizationId: 'o1' } }).organizationId).toBe('o1');
    expect(AuditService.toRow({ event: 'member.removed', organizationId: 'o2', data: { organizationId: 'o1' } }).organizationId).toBe('o2');
    expect(AuditService.toRow({ event: 'member.removed', data: { organizationId: 7 } }).organizationId).toBeNull();
  });

  it('refuses a parameter list that is not one per column', () => {
    expect(() => auditStatements.insertRows(names, ['$1', '$2'])).toThrow(/nine parameters/);
  });

  it('names created_at only when asked', () => {
    expect(auditStatements.insert(names, 'SELECT 1')).not.toContain('created_at');
    expect(auditStatements.insert(names, 'SELECT 1', { createdAt: true })).toContain('data, created_at)');
  });
});
