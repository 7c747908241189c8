import { SignIn } from './sign-in';
import type { SessionsServiceDeps } from './session-types';
import type { TokenPairs } from './token-pairs';
import type { SessionRevocation } from './revocation';

describe('SignIn: the SignInGate is required (fail closed)', () => {
  test('the deps type requires signInGate', () => {
    // @ts-expect-error signInGate is required: no gate must not mean "every sign-in allowed"
    const deps: Pick<SessionsServiceDeps, 'signInGate'> = {};
    expect(deps).toEqual({});
  });

  test('built without one (a JavaScript caller, a cast), it refuses to start rather than allow every sign-in', () => {
    const deps = { signInGate: undefined } as unknown as SessionsServiceDeps;
    expect(() => new SignIn(deps, {} as TokenPairs, {} as SessionRevocation)).toThrow(/signInGate/);
  });
});
