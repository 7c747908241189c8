import { SLUG_PATTERN, slugFromName, slugSuffix } from './slug';

describe('organization slugs', () => {
  it('are made from the name: NFKD, ASCII lower case, other runs become one dash, no dash at the ends', () => {
    expect(slugFromName('Acme Corp')).toBe('acme-corp');
    expect(slugFromName('  Café  Ünïcode!! ')).toBe('cafe-unicode');
    expect(slugFromName('ＡＢＣ　１２３')).toBe('abc-123');
    expect(slugFromName('***')).toBe('org');
    expect(slugFromName('日本')).toBe('org');
  });

  it('are at most 48 characters from the name, and never end with a dash after the cut', () => {
    const slug = slugFromName(`${'a'.repeat(47)} b`);
    expect(slug).toBe('a'.repeat(47));
    expect(slugFromName('x'.repeat(100))).toHaveLength(48);
  });

  it('a made slug with its clash suffix still matches the contract pattern', () => {
    const suffix = slugSuffix();
    expect(suffix).toMatch(/^-[a-z0-9]{6}$/);
    expect(`${slugFromName('x'.repeat(100))}${suffix}`).toMatch(SLUG_PATTERN);
    expect(SLUG_PATTERN.test('-a')).toBe(false);
    expect(SLUG_PATTERN.test('a'.repeat(64))).toBe(false);
  });
});
