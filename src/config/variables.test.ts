import { baseSchema, ConfigError, loadConfig } from './config';
import { limitTable } from './limits';
import { coreVariables, listVariables } from './variables';

describe('every variable the process reads, in one list (src/config/variables.ts)', () => {
  test('loadConfig parses exactly the core variables the table declares', () => {
    expect(Object.keys(baseSchema.shape).sort()).toEqual(coreVariables.map((v) => v.env).sort());
  });

  test('the list holds every core variable, every limit with its owning module and the OAUTH_* family as patterns', () => {
    const list = listVariables();
    const names = list.map((v) => v.env);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    for (const l of limitTable) expect(list.find((v) => v.env === l.env)).toMatchObject({ default: l.default, min: l.min, max: l.max, module: l.module });
    expect(list.find((v) => v.env === 'OTP_TTL_SECONDS')?.module).toBe('otp');
    expect(list.find((v) => v.env === 'GRAPHQL_MAX_DEPTH')?.module).toBe('core');
    expect(list.filter((v) => v.pattern).map((v) => v.env)).toEqual(
      ['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET', 'NAME', 'TRUST_EMAIL'].map((suffix) => `OAUTH_OIDC_<ID>_${suffix}`),
    );
    expect(list.filter((v) => v.doc.trim().length < 5).map((v) => v.env)).toEqual([]);
  });

  test('the required-in-production variables are the ones production refuses to start without', () => {
    const required = listVariables()
      .filter((v) => v.required === 'production')
      .map((v) => v.env);
    let named: readonly string[] = [];
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (error) {
      named = (error as ConfigError).problems.map((p) => p.slice(0, p.indexOf(':')));
    }
    expect([...named].sort()).toEqual([...required].sort());
  });

  test.each(coreVariables.filter((v) => 'min' in v).map((v) => [v.env, v] as const))(
    '%s: its declared default and bounds are what loadConfig applies',
    (name, v) => {
      const { min, max } = v as { min: number; max: number };
      expect(min <= max).toBe(true);
      if (min > 0) expect(() => loadConfig({ [name]: String(min - 1) })).toThrow(new ConfigError(`${name}: must be at least ${min}`));
      expect(() => loadConfig({ [name]: String(max + 1) })).toThrow(new ConfigError(`${name}: must be at most ${max}`));
      expect(() => loadConfig({ [name]: String(min) })).not.toThrow();
    },
  );
});
