import { dictionary } from '@zxcvbn-ts/language-common';
import { WardenError } from '../../errors/warden-error';

let common: Set<string> | null = null;

function commonPasswords(): Set<string> {
  // zxcvbn-ts' list of ~49k passwords seen most often in breaches.
  common ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return common;
}

export interface PasswordPolicyOptions {
  minLength: number;
  maxLength: number;
}

/** Length in characters (code points), 8–128 by default, and not one of the most common passwords. */
export function checkPasswordPolicy(password: unknown, options: PasswordPolicyOptions, field = 'password'): string {
  if (typeof password !== 'string') throw WardenError.badInput('Enter a password.', field);
  if (password.length > options.maxLength * 4) throw WardenError.badInput('The password is far too long.', field);
  const length = [...password.normalize('NFC')].length;
  if (length < options.minLength) {
    throw new WardenError('WEAK_PASSWORD', {
      message: `Use at least ${options.minLength} characters.`,
      extensions: { field, reason: 'TOO_SHORT' },
    });
  }
  if (length > options.maxLength) {
    throw new WardenError('WEAK_PASSWORD', {
      message: `Use at most ${options.maxLength} characters.`,
      extensions: { field, reason: 'TOO_LONG' },
    });
  }
  if (commonPasswords().has(password.toLowerCase())) {
    throw new WardenError('WEAK_PASSWORD', {
      message: 'This password is too common. Choose another.',
      extensions: { field, reason: 'COMMON' },
    });
  }
  return password;
}
