import fs from 'node:fs';
import path from 'node:path';
import { printWardenSubgraphSchema, SUBGRAPH_HEADER } from '../src/graphql/federation';

describe('schema/subgraph.graphql (FEDERATION_ENABLED=true)', () => {
  const checkedIn = fs.readFileSync(path.join(__dirname, '..', 'schema', 'subgraph.graphql'), 'utf8');

  test('is exactly what the type-graphql classes emit as a subgraph (run `npm run schema` after changing them)', async () => {
    expect(checkedIn).toBe(await printWardenSubgraphSchema());
  });

  test('is a Federation 2 subgraph (the pinned @link; without it the SDL would silently read as Federation 1)', () => {
    const sdl = checkedIn.slice(SUBGRAPH_HEADER.length);
    expect(sdl).toMatch(/^extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.5", import: \["@key", "@requiresScopes"\]\)/);
    expect(sdl).toMatch(/^type User\s+@key\(fields: "id"\)\s*\{/m);
    expect(sdl).toMatch(/^type Organization\s+@key\(fields: "id"\)\s*\{/m);
  });

  test("carries the contract's @requiresScopes on organization fields and mutations; schema/schema.graphql does not", () => {
    const sdl = checkedIn.slice(SUBGRAPH_HEADER.length);
    const scoped = (field: string, scope: string) =>
      new RegExp(`^\\s+${field}(\\([^)]*\\))?: [^\\n]+ @requiresScopes\\(scopes: \\[\\["${scope}"\\]\\]\\)$`, 'm');
    for (const [field, scope] of [
      ['memberCount', 'org:read'],
      ['members', 'members:read'],
      ['roles', 'org:read'],
      ['updateOrganization', 'org:update'],
      ['deleteOrganization', 'org:delete'],
      ['updateMemberRole', 'members:update_role'],
      ['removeMember', 'members:remove'],
      ['invitations', 'members:invite'],
      ['inviteMember', 'members:invite'],
      ['resendInvitation', 'members:invite'],
      ['revokeInvitation', 'members:invite'],
      ['createRole', 'roles:manage'],
      ['updateRole', 'roles:manage'],
      ['deleteRole', 'roles:manage'],
    ]) {
      expect(sdl).toMatch(scoped(field!, scope!));
    }
    // Fields that depend on the caller carry none.
    expect(sdl).toMatch(/^\s+setActiveOrganization\(organizationId: ID\): AuthPayload!$/m);
    expect(sdl).toMatch(/^\s+leaveOrganization\(organizationId: ID!\): Boolean!$/m);
    const plain = fs.readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8');
    expect(plain).not.toContain('@requiresScopes');
  });
});
