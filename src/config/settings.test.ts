import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from './config';
import { settingTableOf } from './settings';
import { listVariables } from './variables';
import type { DeclaringModule, SettingContext } from '../modules/declaration-types';
import { moduleDeclarationList } from '../modules/declarations';

/** A module with two settings: a mode (an enum with a default) and a URL production requires. */
const seen: SettingContext[] = [];
const demo: DeclaringModule = {
  name: 'demo',
  settings: {
    demoMode: {
      env: 'DEMO_MODE',
      default: 'off',
      doc: 'on or off.',
      parse(raw, ctx) {
        seen.push(ctx);
        if (raw !== 'on' && raw !== 'off') throw new Error('must be on or off');
        return raw === 'on';
      },
    },
    demoUrl: {
      env: 'DEMO_URL',
      default: null,
      requiredInProduction: true,
      doc: 'where demo calls go.',
      parse: (raw) => {
        if (raw === undefined) return null;
        if (!/^https:\/\//.test(raw)) throw new Error('DEMO_URL: must start with https://');
        return raw;
      },
    },
  },
};
const withDemo = [...moduleDeclarationList, demo];

function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const production = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://auth.example.com',
  APP_URL: 'https://app.example.com',
  DATABASE_URL: 'postgres://db/warden',
  REDIS_URL: 'redis://cache:6379',
  JWT_PRIVATE_KEY: JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })),
  WARDEN_SECRET: 's'.repeat(32),
  SMTP_URL: 'smtp://mail:25',
  MAIL_FROM: 'Example <no-reply@example.com>',
};

describe("a module's settings (non-numeric variables, src/config/settings.ts)", () => {
  test('unset or blank: the declared default text goes through parse; given: the trimmed text does', () => {
    expect(loadConfig({}, withDemo).settings).toMatchObject({ demoMode: false, demoUrl: null });
    expect(loadConfig({ DEMO_MODE: '  ' }, withDemo).settings).toMatchObject({ demoMode: false });
    expect(loadConfig({ DEMO_MODE: ' on ', DEMO_URL: 'https://demo.example' }, withDemo).settings).toMatchObject({
      demoMode: true,
      demoUrl: 'https://demo.example',
    });
  });

  test('parse is told whether NODE_ENV is production', () => {
    seen.length = 0;
    loadConfig({ NODE_ENV: 'test' }, withDemo);
    loadConfig({ ...production, DEMO_URL: 'https://demo.example' }, withDemo);
    expect(seen).toEqual([{ isProduction: false }, { isProduction: true }]);
  });

  test('a refusal is one line `NAME: message`, with the name written once, collected with every other problem', () => {
    expect(problemsOf(() => loadConfig({ DEMO_MODE: 'maybe', DEMO_URL: 'http://demo', PORT: '-1' }, withDemo))).toEqual([
      'PORT: must be a whole number between 0 and 65535',
      'DEMO_MODE: must be on or off',
      'DEMO_URL: must start with https://',
    ]);
  });

  test('requiredInProduction: production refuses to start without it (and says so once); elsewhere it is optional', () => {
    expect(problemsOf(() => loadConfig(production, withDemo))).toEqual(['DEMO_URL: required when NODE_ENV=production']);
    expect(problemsOf(() => loadConfig({ ...production, DEMO_URL: 'ftp://x' }, withDemo))).toEqual(['DEMO_URL: must start with https://']);
    expect(loadConfig({ ...production, DEMO_URL: 'https://demo.example' }, withDemo).settings).toMatchObject({ demoUrl: 'https://demo.example' });
    expect(listVariables(withDemo).find((v) => v.env === 'DEMO_URL')).toMatchObject({ required: 'production', module: 'demo', default: null });
    expect(listVariables(withDemo).find((v) => v.env === 'DEMO_MODE')).not.toHaveProperty('required');
  });

  test('config.settings is frozen and holds the settings of the module list it was given, no other', () => {
    const settings = loadConfig({}, withDemo).settings;
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.keys(loadConfig({}).settings).sort()).toEqual(
      settingTableOf()
        .map((s) => s.key)
        .sort(),
    );
    expect(loadConfig({ DEMO_MODE: 'maybe' }).settings).not.toHaveProperty('demoMode');
  });

  test("the product's settings: ORG_EXTRA_PERMISSIONS belongs to organizations, parsed by its own parser", () => {
    expect(settingTableOf().find((s) => s.env === 'ORG_EXTRA_PERMISSIONS')).toMatchObject({ key: 'orgExtraPermissions', module: 'organizations' });
    expect(loadConfig({}).settings.orgExtraPermissions).toEqual([]);
    expect(loadConfig({ ORG_EXTRA_PERMISSIONS: 'invoices:read, invoices:approve' }).settings.orgExtraPermissions).toEqual([
      'invoices:read',
      'invoices:approve',
    ]);
    expect(problemsOf(() => loadConfig({ ORG_EXTRA_PERMISSIONS: 'invoices' }))).toEqual([
      'ORG_EXTRA_PERMISSIONS: "invoices" does not match ^[a-z][a-z0-9_]{0,31}:[a-z][a-z0-9_]{0,31}$',
    ]);
    expect(listVariables().find((v) => v.env === 'ORG_EXTRA_PERMISSIONS')).toMatchObject({ module: 'organizations', default: null });
  });
});
