import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, call, type Me } from './api.js';
import { AuditAlert } from './components/AuditAlert.js';
import { ErrorBox, Loading, useLoad } from './components/ui.js';
import { AppPage } from './pages/AppPage.js';
import { AppsPage } from './pages/AppsPage.js';
import { AuditPage } from './pages/AuditPage.js';
import { KeysPage } from './pages/KeysPage.js';
import { MembersPage } from './pages/MembersPage.js';
import { ReleasePage } from './pages/ReleasePage.js';
import { SignIn } from './pages/SignIn.js';
import { href, useRoute } from './router.js';
import './styles.css';

function Page({ me }: { me: Me }) {
  const route = useRoute();
  if (route[0] === 'apps' && route[1] && route[2] === 'releases' && route[3]) {
    return <ReleasePage me={me} appId={route[1]} releaseId={route[3]} />;
  }
  if (route[0] === 'apps' && route[1]) return <AppPage me={me} appId={route[1]} />;
  if (route[0] === 'audit') return <AuditPage me={me} />;
  if (route[0] === 'keys') return <KeysPage me={me} />;
  if (route[0] === 'members') return <MembersPage me={me} />;
  return <AppsPage />;
}

function Shell() {
  const [me, reload] = useLoad(() => call('GET /v1/me'), []);
  const [signingOut, setSigningOut] = useState(false);
  if (me.state === 'loading') return <Loading what="your session" />;
  if (me.state === 'error') {
    if (me.error.status === 401) return <SignIn onSignedIn={reload} />;
    return <ErrorBox error={me.error} retry={reload} />;
  }
  const signOut = async () => {
    setSigningOut(true);
    await call('DELETE /auth/session').catch((err: unknown) => err as ApiError);
    window.location.hash = '';
    reload();
    setSigningOut(false);
  };
  return (
    <>
      <header className="top">
        <a className="brand" href={href()}>
          Updraft
        </a>
        <nav>
          <a href={href()}>Apps</a>
          {me.data.may['audit'] && <a href={href('audit')}>Audit log</a>}
          {me.data.may['keys'] && <a href={href('keys')}>API keys</a>}
          {me.data.may['keys'] && <a href={href('members')}>Members</a>}
        </nav>
        <span className="who" data-testid="who">
          {me.data.name} · <b>{me.data.role}</b> · {me.data.org.name}
          <button type="button" className="link" onClick={signOut} disabled={signingOut}>
            Sign out
          </button>
        </span>
      </header>
      <main>
        {me.data.may['audit'] && <AuditAlert />}
        <Page me={me.data} />
      </main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Shell />
  </StrictMode>,
);
