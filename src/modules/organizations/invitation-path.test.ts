import { loadConfig } from '../../config/config';
import { parseInvitationPath } from './invitation-path';

describe('ORG_INVITATION_PATH', () => {
  test('defaults to /invitations/accept; a path is kept as given', () => {
    expect(loadConfig({}).settings.orgInvitationPath).toBe('/invitations/accept');
    expect(loadConfig({ ORG_INVITATION_PATH: '/team/join' }).settings.orgInvitationPath).toBe('/team/join');
  });

  test('anything but a plain path is refused (no host, query or fragment)', () => {
    for (const bad of ['invitations', '//evil.example/x', '/a?b=1', '/a#b', '/a b']) expect(() => parseInvitationPath(bad)).toThrow('must be a path');
    expect(() => loadConfig({ ORG_INVITATION_PATH: 'https://evil.example/' })).toThrow('ORG_INVITATION_PATH');
  });
});
