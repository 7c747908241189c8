import { loadConfig } from '../../config/config';
import { PermissionCatalog, parseExtraPermissions } from './permissions';

describe('ORG_EXTRA_PERMISSIONS', () => {
  it('is a comma-separated list of application permissions; unset or blank is none', () => {
    expect(parseExtraPermissions(undefined)).toEqual([]);
    expect(parseExtraPermissions('  ')).toEqual([]);
    expect(parseExtraPermissions('invoices:read, invoices:write,invoices:read')).toEqual(['invoices:read', 'invoices:write']);
  });

  it('refuses an entry off the pattern, a built-in permission, an empty entry and more than 100', () => {
    expect(() => parseExtraPermissions('Invoices:read')).toThrow(/"Invoices:read" does not match/);
    expect(() => parseExtraPermissions('invoices')).toThrow(/does not match/);
    expect(() => parseExtraPermissions(`a:${'b'.repeat(33)}`)).toThrow(/does not match/);
    expect(() => parseExtraPermissions('members:read')).toThrow(/Warden's own/);
    expect(() => parseExtraPermissions('a:b,,c:d')).toThrow(/empty entry/);
    // warden:* is the platform scope (warden:admin): no organization role may put it into a token.
    expect(() => parseExtraPermissions('warden:admin')).toThrow(/reserved/);
    expect(() => parseExtraPermissions('invoices:read,warden:anything')).toThrow(/reserved/);
    const many = Array.from({ length: 101 }, (_, i) => `app:p${i}`).join(',');
    expect(() => parseExtraPermissions(many)).toThrow(/101 permissions, at most 100/);
  });
});

describe('built-in roles', () => {
  const catalog = new PermissionCatalog(['invoices:read']);

  it('owner has every permission (the application ones too), admin all but org:delete, member org:read and members:read', () => {
    const all = catalog.definitions.map((d) => d.name).sort();
    expect(catalog.role('owner')?.permissions).toEqual(all);
    expect(catalog.role('admin')?.permissions).toEqual(all.filter((p) => p !== 'org:delete'));
    expect(catalog.role('admin')?.permissions).toContain('invoices:read');
    expect(catalog.role('member')?.permissions).toEqual(['members:read', 'org:read']);
  });

  it('the vocabulary lists Warden’s permissions as built in, then the application’s', () => {
    expect(catalog.definitions.slice(-1)).toEqual([{ name: 'invoices:read', description: null, builtIn: false }]);
    expect(catalog.definitions.filter((d) => d.builtIn)).toHaveLength(12);
    expect(catalog.isPermission('org:delete')).toBe(true);
    expect(catalog.isPermission('invoices:write')).toBe(false);
  });
});

describe('ORG_EXTRA_PERMISSIONS in the configuration', () => {
  it('is read once at start; a bad entry stops the gateway naming it', () => {
    expect(loadConfig({ ORG_EXTRA_PERMISSIONS: 'invoices:read' }).settings.orgExtraPermissions).toEqual(['invoices:read']);
    expect(loadConfig({}).settings.orgExtraPermissions).toEqual([]);
    expect(() => loadConfig({ ORG_EXTRA_PERMISSIONS: 'invoices:read,org:delete' })).toThrow(/ORG_EXTRA_PERMISSIONS: "org:delete" is one of Warden's own/);
  });
});
