import { checkPasswordPolicy } from './password-policy';
import { WardenError } from '../../errors/warden-error';

const policy = { minLength: 8, maxLength: 128 };
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as WardenError).code + ':' + String((e as WardenError).extensions.reason ?? '');
  }
  return 'ok';
};

describe('password policy', () => {
  test.each([
    ['correct horse battery staple', 'ok'],
    ['Tr0ub4dor&3x', 'ok'],
    ['short', 'WEAK_PASSWORD:TOO_SHORT'],
    ['ééééééé', 'WEAK_PASSWORD:TOO_SHORT'],
    ['password1', 'WEAK_PASSWORD:COMMON'],
    ['PASSWORD1', 'WEAK_PASSWORD:COMMON'],
    ['iloveyou', 'WEAK_PASSWORD:COMMON'],
    ['a'.repeat(129), 'WEAK_PASSWORD:TOO_LONG'],
    ['a'.repeat(600), 'BAD_USER_INPUT:'],
  ])('%p → %s', (password, expected) => {
    expect(codeOf(() => checkPasswordPolicy(password, policy))).toBe(expected);
  });

  test('counts characters, not bytes: 8 emoji pass the minimum', () => {
    expect(codeOf(() => checkPasswordPolicy('🔐🗝️🔑🛡️🚪🧱🔒🏰', policy))).toBe('ok');
  });
});
