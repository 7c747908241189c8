import { parseRange, sha1Split } from './pwned-range-client';

describe('Pwned Passwords range helpers', () => {
  test('the SHA-1 of the UTF-8 password, upper-case hex, split 5 + 35', () => {
    // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8 (the range API's own example).
    expect(sha1Split('password')).toEqual({ prefix: '5BAA6', suffix: '1E4C9B93F3F0682250B6CF8331B7EE68FD8' });
    expect(sha1Split('pässword').prefix).toMatch(/^[0-9A-F]{5}$/);
    expect(sha1Split('pässword')).not.toEqual(sha1Split('pa\u0308ssword')); // nothing normalised: the bytes as given
  });

  test('a range answer: suffixes with a count above 0, CRLF or LF, padding (count 0) and junk ignored', () => {
    const a = '1E4C9B93F3F0682250B6CF8331B7EE68FD8';
    const padded = '0018A45C4D1DEF81644B54AB7F969B88D65';
    const body = [`${a}:9659365`, `${padded}:0`, 'not a line', `${'b'.repeat(35)}:3`, `${'C'.repeat(34)}:5`].join('\r\n');
    expect([...parseRange(body)].sort()).toEqual([a, 'B'.repeat(35)]);
    expect(parseRange('').size).toBe(0);
  });
});
