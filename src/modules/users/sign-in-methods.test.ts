import type { EntityManager } from 'typeorm';
import { SignInMethods } from './sign-in-methods';
import { HookRegistry } from '../../kernel/hooks';

const em = {} as EntityManager;
const fixed = (kind: string, n: number) => ({ kind, count: async () => n });

describe('SignInMethods', () => {
  test('what is left after removing one of a kind', async () => {
    const methods = new SignInMethods(() => [fixed('password', 1), fixed('identity', 2)]);
    expect(await methods.countByKind(em, 'u')).toEqual({ password: 1, identity: 2 });
    expect(await methods.remainingAfter(em, 'u', { kind: 'identity' })).toBe(2);
    expect(await methods.remainingAfter(em, 'u', { kind: 'password' })).toBe(2);
  });

  test('the last way in leaves zero; removing a kind the user lacks removes nothing', async () => {
    const methods = new SignInMethods(() => [fixed('passkey', 1), fixed('password', 0)]);
    expect(await methods.remainingAfter(em, 'u', { kind: 'passkey' })).toBe(0);
    expect(await methods.remainingAfter(em, 'u', { kind: 'password' })).toBe(1);
  });

  test('a kind given twice (by two modules) fails when the hooks are collected', () => {
    const hooks = new HookRegistry();
    hooks.add('one', { signInMethods: [fixed('email', 1)] });
    expect(() => hooks.add('two', { signInMethods: [fixed('email', 1)] })).toThrow('sign-in method email given by both module one and module two');
  });
});
