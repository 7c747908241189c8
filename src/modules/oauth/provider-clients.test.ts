import type { DataSource, EntityManager } from 'typeorm';
import { withTransaction } from '../../db/transaction';
import { ProviderClients } from './provider-clients';

/** The provider's token endpoint and discovery are network calls: never inside a database transaction. */
test('token exchange and discovery refuse to run inside a transaction', async () => {
  const clients = new ProviderClients(
    [
      {
        id: 'google',
        kind: 'OIDC',
        name: 'Google',
        clientId: 'id',
        clientSecret: 'secret',
        issuer: 'http://127.0.0.1:1',
        webUrl: null,
        apiUrl: null,
        trustEmail: true,
      },
    ],
    { publicUrl: 'http://warden.test', isProduction: false },
  );
  const provider = clients.find('google')!;
  const flow = clients.newFlowSecrets(provider);
  const fakeDataSource = { transaction: (fn: (em: EntityManager) => Promise<unknown>) => fn({} as EntityManager) } as unknown as DataSource;
  await expect(withTransaction(fakeDataSource, () => clients.finish(provider, 'code=x&state=y', flow))).rejects.toThrow(/inside a database transaction/);
  await expect(withTransaction(fakeDataSource, () => clients.authorizationUrl(provider, flow))).rejects.toThrow(/inside a database transaction/);
  expect(clients.redirectUri(provider)).toBe('http://warden.test/oauth/callback/google');
  expect(flow.nonce).toBeTruthy();
  expect(clients.newFlowSecrets({ ...provider, kind: 'GITHUB' }).nonce).toBeNull();
});
