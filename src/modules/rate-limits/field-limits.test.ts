import { defaultLimits } from '../../config/limits';
import { fieldLimitNames, fieldRule } from './field-limits';

describe('fieldRule: the per-IP rule each rate limit counts against, as its module declares it', () => {
  const limits = { ...defaultLimits, rateLimitIpPerMinute: 30, rateLimitIpSessionPerMinute: 300 };

  test('session upkeep (refresh, logout, logout everywhere, revoke) counts against RATE_LIMIT_IP_SESSION_PER_MINUTE', () => {
    const upkeep = fieldLimitNames.filter((name) => fieldRule(name, limits).limit === 300);
    expect([...upkeep].sort()).toEqual(['sessions.logout', 'sessions.logout-all', 'sessions.refresh', 'sessions.revoke']);
  });

  test('every other limit counts against RATE_LIMIT_IP_PER_MINUTE, per minute, in its own bucket', () => {
    expect(fieldRule('password.login', limits)).toEqual({ name: 'ip:password.login', limit: 30, windowSeconds: 60 });
    expect(fieldRule('sessions.refresh', limits)).toEqual({ name: 'ip:sessions.refresh', limit: 300, windowSeconds: 60 });
    expect(fieldLimitNames.filter((name) => fieldRule(name, limits).limit === 30).length).toBe(fieldLimitNames.length - 4);
  });
});
