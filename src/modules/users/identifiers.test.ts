import { maskEmail, maskPhone, normalizeEmail, normalizePhone } from './identifiers';
import { WardenError } from '../../errors/warden-error';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof WardenError) return error.code;
    throw error;
  }
  throw new Error('expected a WardenError');
}

describe('normalizePhone', () => {
  test.each([
    ['+447911123456', '+447911123456'],
    [' +44 7911 123456 ', '+447911123456'],
    ['+44 7911-123.456', '+447911123456'],
    ['+33612345678', '+33612345678'],
    ['+1 (415) 555-2671', '+14155552671'],
  ])('%p becomes E.164 %p', (raw, e164) => {
    expect(normalizePhone(raw)).toBe(e164);
  });

  test.each([
    ['07911123456', 'national form, no country code'],
    ['447911123456', 'no leading +'],
    ['00447911123456', 'international prefix instead of +'],
    ['+0447911123456', 'country code cannot start with 0'],
    ['+44791112345678901', 'longer than 15 digits'],
    ['+441234', 'too short for the plan'],
    ['+447700900123', 'in a range no operator serves'],
    ['+999123456789', 'no such country code'],
    ['+44 7911 12345x', 'letters'],
    ['+447911123456;DROP', 'trailing junk'],
    ['', 'empty'],
    ['+'.padEnd(40, '1'), 'oversized'],
  ])('%p is BAD_USER_INPUT (%s)', (raw) => {
    expect(codeOf(() => normalizePhone(raw))).toBe('BAD_USER_INPUT');
  });

  test('non-strings are BAD_USER_INPUT', () => {
    expect(codeOf(() => normalizePhone(null))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => normalizePhone(447911123456))).toBe('BAD_USER_INPUT');
  });
});

describe('normalizeEmail', () => {
  test('trims, lower-cases and NFC-normalises', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
    expect(normalizeEmail('jose\u0301@example.com')).toBe('jos\u00e9@example.com');
  });

  test.each(['', 'ada', 'ada@', '@example.com', 'ada@example', 'a da@example.com', 'ada@exa mple.com', '<ada@example.com>', `${'a'.repeat(65)}@example.com`])(
    '%p is BAD_USER_INPUT',
    (raw) => {
      expect(codeOf(() => normalizeEmail(raw))).toBe('BAD_USER_INPUT');
    },
  );
});

describe('masking', () => {
  test('maskEmail keeps the first letters and the top-level domain', () => {
    expect(maskEmail('jane@example.com')).toBe('j***@e***.com');
    expect(maskEmail('a@b.co.uk')).toBe('a***@b***.uk');
  });

  test('maskPhone keeps the country code and the last three digits', () => {
    expect(maskPhone('+447911123456')).toBe('+44*******456');
    expect(maskPhone('+14155552671')).toBe('+1*******671');
    expect(maskPhone('+447911123456')).not.toContain('7911123');
  });
});
