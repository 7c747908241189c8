import type { EntityManager } from 'typeorm';
import { SignInMethods } from './sign-in-methods';

const em = {} as EntityManager;
const fixed = (kind: string, n: number) => ({ kind, count: async () => n });

describe('SignInMethods', () => {
  test('what is left after removing one of a kind', async () => {
    const methods = new SignInMethods();
    methods.register(fixed('password', 1));
    methods.register(fixed('identity', 2));
    expect(await methods.countByKind(em, 'u')).toEqual({ password: 1, identity: 2 });
    expect(await methods.remainingAfter(em, 'u', { kind: 'identity' })).toBe(2);
    expect(await methods.remainingAfter(em, 'u', { kind: 'password' })).toBe(2);
  });

  test('the last way in leaves zero; removing a kind the user lacks removes nothing', async () => {
    const methods = new SignInMethods();
    methods.register(fixed('passkey', 1));
    methods.register(fixed('password', 0));
    expect(await methods.remainingAfter(em, 'u', { kind: 'passkey' })).toBe(0);
    expect(await methods.remainingAfter(em, 'u', { kind: 'password' })).toBe(1);
  });

  test('a kind registered twice is a programming error', () => {
    const methods = new SignInMethods();
    methods.register(fixed('email', 1));
    expect(() => methods.register(fixed('email', 1))).toThrow(TypeError);
  });
});
