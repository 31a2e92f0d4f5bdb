import { useState, type FormEvent } from 'react';
import { call } from '../api.js';
import { TextField } from '../components/ui.js';

/** Email + password, or an API key. The session lives in an httpOnly cookie the page cannot read. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [mode, setMode] = useState<'user' | 'key'>('user');
  const [org, setOrg] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // An email is unique per organization; left empty, the server's first organization.
      const user = org.trim() ? { org: org.trim(), email, password } : { email, password };
      await call('POST /auth/session', { body: mode === 'user' ? user : { apiKey: apiKey.trim() } });
      onSignedIn();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="signin">
      <h1>Updraft</h1>
      <p className="muted">Sign in to see your fleet.</p>
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={mode === 'user'} onClick={() => setMode('user')}>
          Email
        </button>
        <button type="button" role="tab" aria-selected={mode === 'key'} onClick={() => setMode('key')}>
          API key
        </button>
      </div>
      <form onSubmit={submit}>
        {mode === 'user' ? (
          <>
            <TextField label="Email" type="email" autoComplete="username" value={email} onChange={setEmail} required />
            <TextField
              label="Password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={setPassword}
              required
            />
            <TextField
              label="Organization (optional)"
              type="text"
              autoComplete="organization"
              placeholder="default"
              value={org}
              onChange={setOrg}
            />
          </>
        ) : (
          <TextField
            label="API key"
            type="password"
            name="apiKey"
            placeholder="updraft_…"
            value={apiKey}
            onChange={setApiKey}
            required
          />
        )}
        {error && (
          <p className="inline-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
