import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { ApiKeysPageDocument, CreateApiKeyDocument, OrganizationKeysDocument, RevokeApiKeyDocument, RotateApiKeyDocument } from '../generated/graphql';
import { describeError } from '../messages';
import { formatDate } from '../ui';

type Key = { id: string; name: string; prefix: string; scopes: string[]; lastUsedAt?: string | null; expiresAt?: string | null; allowedOperations: string[] };

/**
 * /settings/api-keys: personal keys, and the keys of each organization where the viewer holds api_keys:manage.
 * A new or rotated key is shown once (docs/api-keys.md): copy it now, Warden keeps only its HMAC.
 */
export function ApiKeysPage() {
  const { data, loading, error, refetch } = useQuery(ApiKeysPageDocument, { fetchPolicy: 'network-only' });
  const [owner, setOwner] = useState('');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [shown, setShown] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [createKey] = useMutation(CreateApiKeyDocument);
  const [rotateKey] = useMutation(RotateApiKeyDocument);
  const [revokeKey] = useMutation(RevokeApiKeyDocument);
  const orgKeys = useQuery(OrganizationKeysDocument, { variables: { id: owner }, skip: owner === '', fetchPolicy: 'network-only' });

  if (loading) return <div className="card">Loading…</div>;
  if (error || !data?.viewer)
    return (
      <div className="card error" role="alert">
        {error ? describeError(error) : 'Sign in to manage API keys.'}
      </div>
    );
  const managed = data.viewer.organizations.filter((o) => o.canManageKeys);
  const available = data.permissions.map((p) => p.name).filter((p) => p !== 'org:delete');
  const keys: Key[] = owner === '' ? data.viewer.apiKeys : (orgKeys.data?.organization?.apiKeys ?? []);

  const run = async (action: () => Promise<void>) => {
    setProblem(null);
    try {
      await action();
      await refetch();
      if (owner !== '') await orgKeys.refetch();
    } catch (e) {
      setProblem(describeError(e));
    }
  };
  const create = () =>
    run(async () => {
      const { data: created } = await createKey({ variables: { input: { name: name.trim(), scopes, organizationId: owner || null } } });
      setShown(created?.createApiKey.secret ?? null);
      setName('');
      setScopes([]);
    });
  const rotate = (id: string) =>
    run(async () => {
      const { data: rotated } = await rotateKey({ variables: { id, overlapSeconds: 3600 } });
      setShown(rotated?.rotateApiKey.secret ?? null);
    });
  const revoke = (id: string) => run(async () => void (await revokeKey({ variables: { id } })));

  return (
    <div className="card" data-testid="api-keys">
      <h2>API keys</h2>
      <p className="muted">Keys let CI jobs, scripts and services call the API without your password. Exchange one at /oauth/token for a short-lived token.</p>
      <label>
        Owner
        <select value={owner} onChange={(e) => setOwner(e.target.value)}>
          <option value="">Personal</option>
          {managed.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      {shown && (
        <div className="notice" role="status">
          <p>Copy this key now: it is not shown again.</p>
          <code data-testid="api-key-secret">{shown}</code>
        </div>
      )}
      {keys.length === 0 && <p className="muted">No key yet.</p>}
      <ul className="list">
        {keys.map((k) => (
          <li key={k.id} data-testid="api-key-row">
            <strong>{k.name}</strong> <code>{k.prefix}</code>
            <div className="muted">
              {k.scopes.length ? k.scopes.join(', ') : 'no scopes'} · {k.lastUsedAt ? `last used ${formatDate(k.lastUsedAt)}` : 'never used'}
              {k.expiresAt ? ` · expires ${formatDate(k.expiresAt)}` : ''}
            </div>
            <button type="button" onClick={() => void rotate(k.id)}>
              Rotate {k.name}
            </button>
            <button type="button" className="danger" onClick={() => void revoke(k.id)}>
              Revoke {k.name}
            </button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <h3>New key</h3>
        <label>
          Key name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <fieldset className="scopes">
          <legend>Scopes</legend>
          {available.map((p) => (
            <label key={p} className="inline">
              <input
                type="checkbox"
                checked={scopes.includes(p)}
                onChange={(e) => setScopes(e.target.checked ? [...scopes, p] : scopes.filter((s) => s !== p))}
              />
              {p}
            </label>
          ))}
        </fieldset>
        <button type="submit">Create key</button>
      </form>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
