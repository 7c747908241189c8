import { auditStatements } from './audit-statements';
import { AuditService } from './audit.service';

const names = { table: (entity: unknown) => `"${(entity as { name: string }).name}"` };

describe('auditStatements', () => {
  it('inserts rows passed as seven arrays, in the columns AuditService.toRow fills, under the given condition', () => {
    const sql = auditStatements.insertRows(names, ['$9', '$10', '$11', '$12', '$13', '$14', '$15'], 'EXISTS (SELECT 1 FROM s)');
    expect(sql.replace(/\s+/g, ' ')).toBe(
      'INSERT INTO "AuditEventEntity" (id, event, outcome, user_id, ip, user_agent, data) ' +
        'SELECT * FROM unnest($9::uuid[], $10::text[], $11::text[], $12::uuid[], $13::text[], $14::text[], $15::jsonb[]) WHERE EXISTS (SELECT 1 FROM s)',
    );
    const row = AuditService.toRow({
      event: 'session.created',
      userId: 'u1',
      meta: { requestId: 'r1', ip: '1.2.3.4', userAgent: 'ua' },
      data: { sessionId: 's1' },
    });
    expect(auditStatements.values([row])).toEqual([[row.id], ['session.created'], ['success'], ['u1'], ['1.2.3.4'], ['ua'], ['{"sessionId":"s1"}']]);
  });

  it('refuses a parameter list that is not one per column', () => {
    expect(() => auditStatements.insertRows(names, ['$1', '$2'])).toThrow(/seven parameters/);
  });

  it('names created_at only when asked', () => {
    expect(auditStatements.insert(names, 'SELECT 1')).not.toContain('created_at');
    expect(auditStatements.insert(names, 'SELECT 1', { createdAt: true })).toContain('data, created_at)');
  });
});
