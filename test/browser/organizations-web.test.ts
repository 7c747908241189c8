import { type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { StaticAppServer } from '../support/static-app-server';
import { describeWithChromium, docsScreenshot } from '../support/example-web';
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import { PASSWORD, uniqueEmail } from '../support/flows';

/**
 * The example app's organization pages (examples/web/src/pages/organizations.tsx, invitation.tsx) in headless
 * Chromium against the gateway, as two people use them: an owner invites by email, the invitee opens the mailed
 * link signed out, signs up with the invited address, comes back to the invitation and accepts; the owner's
 * members page shows them, changes their role (the invitee's page follows), revokes another invitation, removes
 * them; the switcher moves between organizations; a second invitation is declined.
 */
jest.setTimeout(240_000);

describeWithChromium('example web app: organizations, members and invitations', () => {
  let t: TestApp;
  let site: StaticAppServer;
  let browser: Browser;
  let h: BrowserHarness | undefined;
  let owner: Page;
  let invitee: Page;
  const ownerEmail = uniqueEmail('org-owner');
  const inviteeEmail = uniqueEmail('org-invitee');
  const otherEmail = uniqueEmail('org-other');

  beforeAll(async () => {
    h = await startBrowserHarness(async (site) => startTestApp({ env: { APP_URL: site.url, REDIRECT_ALLOWLIST: site.url, RATE_LIMIT_SENDS_PER_HOUR: '100' } }));
    ({ t, site, browser } = h);
    const open = async () => {
      const context = await browser.newContext({ viewport: { width: 900, height: 720 } });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      page.on('dialog', (dialog) => void dialog.accept());
      return page;
    };
    owner = await open();
    invitee = await open();
  });

  afterAll(async () => {
    await h?.close();
  });

  const sql = (text: string, params: unknown[] = []): Promise<any[]> => t.app.dataSource.query(text, params);
  const memberEmails = async (page: Page) => (await page.getByTestId('member-email').allTextContents()).sort();
  /** The newest invitation link mailed to `email` (mail number `count`). */
  const invitationLink = async (email: string, count: number): Promise<URL> => linkFrom(await t.inbox.waitForMail(email, count));
  const invite = async (email: string) => {
    await owner.getByLabel('Email', { exact: true }).fill(email);
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await owner.getByText(`Invitation sent to ${email}.`).waitFor();
  };

  test('the owner signs up with an organization, sees it on the members page and invites a colleague', async () => {
    await owner.goto(`${site.url}/signup`);
    await owner.getByLabel('Email').fill(ownerEmail);
    await owner.getByLabel('Password').fill(PASSWORD);
    await owner.getByLabel('Your name').fill('Ada Lovelace');
    await owner.getByLabel('Organization').fill('Analytical Engines');
    await owner.getByRole('button', { name: 'Sign up' }).click();
    await owner.getByLabel('Code').fill(codeFrom(await t.inbox.waitForMail(ownerEmail)));
    await owner.getByRole('button', { name: 'Verify' }).click();
    await owner.getByTestId('viewer').waitFor();

    // The switcher shows the signup organization, active; the members page lists the owner alone.
    expect(await owner.getByLabel('Organization', { exact: true }).locator('option:checked').textContent()).toBe('Analytical Engines');
    await owner.getByRole('link', { name: 'Organization' }).click();
    await owner.getByRole('heading', { name: 'Analytical Engines', exact: true }).waitFor();
    expect(await memberEmails(owner)).toEqual([ownerEmail]);
    expect(await owner.getByTestId('no-invitations').isVisible()).toBe(true);

    await invite(inviteeEmail);
    const row = owner.getByTestId('invitation-row');
    await row.waitFor();
    expect(await row.textContent()).toContain(`${inviteeEmail} as Member`);
    await docsScreenshot(owner, 'organization-members');
  });

  test('the invitee opens the mailed link signed out, signs up with the invited address, comes back and accepts', async () => {
    const link = await invitationLink(inviteeEmail, 1);
    expect(link.origin).toBe(new URL(site.url).origin);
    expect(link.pathname).toBe('/invitations/accept');

    await invitee.goto(link.href);
    await invitee.getByRole('heading', { name: 'Join Analytical Engines', exact: true }).waitFor();
    expect(await invitee.getByTestId('invitation').textContent()).toContain(`Ada Lovelace invited ${inviteeEmail} to join Analytical Engines as member`);
    await docsScreenshot(invitee, 'invitation-signed-out');

    // Not signed in: sign up (the invited address pre-filled), verify the SIGNUP code, and land back on the invitation.
    await invitee.getByRole('button', { name: 'Sign up to accept' }).click();
    await invitee.getByRole('heading', { name: 'Create your account', exact: true }).waitFor();
    expect(await invitee.getByLabel('Email').inputValue()).toBe(inviteeEmail);
    await invitee.getByLabel('Password').fill(PASSWORD);
    await invitee.getByLabel('Your name').fill('Charles Babbage');
    await invitee.getByRole('button', { name: 'Sign up' }).click();
    await invitee.getByLabel('Code').fill(codeFrom(await t.inbox.waitForMail(inviteeEmail, 2)));
    await invitee.getByRole('button', { name: 'Verify' }).click();
    await invitee.getByRole('button', { name: 'Accept invitation' }).waitFor();
    expect(new URL(invitee.url()).pathname).toBe('/invitations/accept');
    await docsScreenshot(invitee, 'invitation-accept');

    await invitee.getByRole('button', { name: 'Accept invitation' }).click();
    // acceptInvitation made the organization active: the members page and the switcher show it.
    await invitee.waitForURL((url) => url.pathname === '/organization');
    await invitee.getByRole('heading', { name: 'Analytical Engines', exact: true }).waitFor();
    expect(await memberEmails(invitee)).toEqual([ownerEmail, inviteeEmail].sort());
    expect(await invitee.getByTestId('organization').textContent()).toContain('your role: Member');
    expect(await invitee.getByLabel('Organization', { exact: true }).locator('option:checked').textContent()).toBe('Analytical Engines');
    // A member has no invitation form and no role pickers.
    expect(await invitee.getByRole('button', { name: 'Send invitation' }).count()).toBe(0);
    expect(await invitee.getByRole('button', { name: 'Remove' }).count()).toBe(0);
  });

  test("the owner's members page shows them; a role change shows on the invitee's page; revoke; remove", async () => {
    await owner.reload();
    await owner.getByRole('heading', { name: 'Analytical Engines', exact: true }).waitFor();
    await owner.getByTestId('no-invitations').waitFor();
    expect(await memberEmails(owner)).toEqual([ownerEmail, inviteeEmail].sort());

    await owner.getByLabel(`Role of ${inviteeEmail}`).selectOption('admin');
    await owner.getByText(`${inviteeEmail} is now Admin.`).waitFor();
    const [orgRow] = await sql(`SELECT id FROM ${t.table('organizations')} WHERE name = 'Analytical Engines'`);
    const roleOf = async (email: string) =>
      (
        await sql(
          `SELECT m.role FROM ${t.table('memberships')} m JOIN ${t.table('users')} u ON u.id = m.user_id WHERE u.email = $1 AND m.organization_id = $2`,
          [email, orgRow.id],
        )
      )[0]?.role ?? null;
    expect(await roleOf(inviteeEmail)).toBe('admin');
    // The invitee's token is refused CLAIMS_CHANGED; the app refreshes once and shows the new role.
    await invitee.reload();
    await invitee.getByText('your role: Admin').waitFor();
    expect(await invitee.getByRole('button', { name: 'Send invitation' }).count()).toBe(1);

    await invite(otherEmail);
    const pending = owner.getByTestId('invitation-row').filter({ hasText: otherEmail });
    await pending.getByRole('button', { name: 'Revoke' }).click();
    await owner.getByText(`The invitation to ${otherEmail} was revoked.`).waitFor();
    await owner.getByTestId('no-invitations').waitFor();
    expect((await sql(`SELECT status FROM ${t.table('invitations')} WHERE email = $1`, [otherEmail]))[0].status).toBe('REVOKED');
    expect((await invitationLink(otherEmail, 1)).pathname).toBe('/invitations/accept');

    await owner.getByTestId('member-row').filter({ hasText: inviteeEmail }).getByRole('button', { name: 'Remove' }).click();
    await owner.getByText(`${inviteeEmail} was removed.`).waitFor();
    expect(await memberEmails(owner)).toEqual([ownerEmail]);
    expect(await roleOf(inviteeEmail)).toBeNull();
  });

  test('the switcher: a second organization becomes active, and switching back calls setActiveOrganization', async () => {
    await owner.getByLabel('Organization name').fill('Difference Engines');
    await owner.getByRole('button', { name: 'Create organization' }).click();
    await owner.getByRole('heading', { name: 'Difference Engines', exact: true }).waitFor();
    const switcher = owner.getByLabel('Organization', { exact: true });
    expect(await switcher.locator('option').allTextContents()).toEqual(['Analytical Engines', 'Difference Engines']);
    expect(await switcher.locator('option:checked').textContent()).toBe('Difference Engines');

    await switcher.selectOption({ label: 'Analytical Engines' });
    await owner.getByRole('heading', { name: 'Analytical Engines', exact: true }).waitFor();
    // The session's active organization changed on the server: a reload (a refresh through the cookie) keeps it.
    await owner.reload();
    await owner.getByRole('heading', { name: 'Analytical Engines', exact: true }).waitFor();
    expect(await owner.getByLabel('Organization', { exact: true }).locator('option:checked').textContent()).toBe('Analytical Engines');
    await docsScreenshot(owner, 'organization-switcher');
  });

  test('a signed-in invitee declines an invitation; its link then reads as used', async () => {
    await invite(inviteeEmail);
    const link = await invitationLink(inviteeEmail, 3);
    await invitee.goto(link.href);
    await invitee.getByRole('button', { name: 'Decline' }).click();
    await invitee.getByTestId('invitation-declined').waitFor();
    expect((await sql(`SELECT status FROM ${t.table('invitations')} WHERE email = $1 ORDER BY created_at DESC LIMIT 1`, [inviteeEmail]))[0].status).toBe(
      'DECLINED',
    );
    await invitee.goto(link.href);
    await invitee.getByTestId('invitation-invalid').waitFor();
    expect(await invitee.getByRole('alert').textContent()).toBe('This link has expired or was already used. Ask for a new one.');
  });
});
