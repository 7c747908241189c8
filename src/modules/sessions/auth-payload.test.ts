import { toAuthPayload } from './auth-payload';
import { WardenError } from '../../errors/warden-error';
import type { Context } from '../../graphql/context';

describe('toAuthPayload: the one place a sign-in becomes tokens and a cookie', () => {
  test('a sign-in the SignInGate refused throws its error and sets no cookie, ends no session', async () => {
    const set = jest.fn();
    const endCookieSession = jest.fn();
    const ctx = { refreshCookie: { set, read: () => 'x', clear: jest.fn() }, endCookieSession } as unknown as Context;
    const refused = new WardenError('MFA_REQUIRED', { extensions: { challengeId: 'c-1' } });
    await expect(toAuthPayload(ctx, { refused })).rejects.toBe(refused);
    expect(set).not.toHaveBeenCalled();
    expect(endCookieSession).not.toHaveBeenCalled();
  });
});
