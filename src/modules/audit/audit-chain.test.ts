import { GENESIS_HASH, chainHash, isAnonymised, jcs, personalDigest, sha256Hex } from './audit-chain';

describe('JCS (RFC 8785) through the canonicalize package', () => {
  it('sorts keys by UTF-16 code units and writes numbers as ECMAScript does (RFC 8785 §3.2.2, §3.2.3)', () => {
    // RFC 8785 §3.2.3 "Sorting of Object Properties": the example's keys in canonical order.
    const sorting = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(jcs(sorting)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    // RFC 8785 §3.2.2 (Appendix B figures): numbers, written as the RFC writes them (the literal is the point).
    // eslint-disable-next-line no-loss-of-precision
    expect(jcs([333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001])).toBe('[333333333.3333333,1e+30,4.5,0.002,1e-27]');
    expect(jcs(-0)).toBe('0');
  });

  it('matches the RFC 8785 §3.2.2 example output byte for byte', () => {
    const input = {
      // eslint-disable-next-line no-loss-of-precision
      numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    expect(jcs(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('refuses what has no JSON form', () => {
    expect(() => jcs(undefined)).toThrow(/no JSON form/);
  });
});

describe('the chain hash', () => {
  const core = {
    id: '00000000-0000-4000-8000-000000000001',
    chainSequence: '1',
    type: 'session.created',
    outcome: 'success',
    createdAt: '2026-12-07T18:00:00.000Z',
    organizationId: null,
    personalDigest: personalDigest({ userId: 'u', actorId: null, ip: '1.2.3.4', userAgent: 'ua', data: { b: 1, a: 2 } }),
  };

  it('is lower-hex SHA-256 of prevHash, a newline and JCS(core)', () => {
    const expected = sha256Hex(
      `${GENESIS_HASH}\n{"chainSequence":"1","createdAt":"2026-12-07T18:00:00.000Z","id":"00000000-0000-4000-8000-000000000001","organizationId":null,"outcome":"success","personalDigest":"${core.personalDigest}","type":"session.created"}`,
    );
    expect(chainHash(GENESIS_HASH, core)).toBe(expected);
    expect(chainHash(GENESIS_HASH, core)).toMatch(/^[0-9a-f]{64}$/);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('personalDigest ignores key order and covers every personal field', () => {
    const a = personalDigest({ userId: 'u', actorId: null, ip: '1.2.3.4', userAgent: 'ua', data: { b: 1, a: 2 } });
    expect(personalDigest({ userId: 'u', actorId: null, ip: '1.2.3.4', userAgent: 'ua', data: { a: 2, b: 1 } })).toBe(a);
    expect(personalDigest({ userId: 'u', actorId: 'x', ip: '1.2.3.4', userAgent: 'ua', data: { a: 2, b: 1 } })).not.toBe(a);
    expect(a).toBe(sha256Hex('{"actorId":null,"data":{"a":2,"b":1},"ip":"1.2.3.4","userAgent":"ua","userId":"u"}'));
  });

  it('treats a row as anonymised only when every personal field is empty', () => {
    expect(isAnonymised({ userId: null, actorId: null, ip: null, userAgent: null, data: {} })).toBe(true);
    expect(isAnonymised({ userId: null, actorId: null, ip: null, userAgent: null, data: { x: 1 } })).toBe(false);
    expect(isAnonymised({ userId: null, actorId: 'a', ip: null, userAgent: null, data: {} })).toBe(false);
  });
});
