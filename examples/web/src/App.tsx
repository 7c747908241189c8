import { useAuth } from './auth';
import { Link, useLocation } from './router';
import { ViewerCard } from './pages/viewer';
import { SignupPage } from './pages/signup';
import { LoginPage } from './pages/login';
import { VerifyPage } from './pages/verify';
import { PasswordlessPage } from './pages/passwordless';
import { MagicLinkPage } from './pages/magic-link';
import { ForgotPasswordPage, ResetLinkPage } from './pages/password-reset';
import { PasskeySignInPage } from './pages/passkeys';
import { SecurityPage } from './pages/security';
import { MfaChallengePage } from './pages/mfa-challenge';
import { OAUTH_RETURN_PATH, OAuthReturnPage } from './pages/oauth';
import { SettingsPage } from './pages/settings';
import { SecurityActivityPage } from './pages/security-activity';
import { RecoverAccountPage, UndoEmailChangePage } from './pages/account-recovery';
import { OrganizationPage, OrganizationSwitcher } from './pages/organizations';
import { INVITATION_PATH, InvitationPage } from './pages/invitation';
import { ApiKeysPage } from './pages/api-keys';
import { AdminPage, ImpersonationBanner } from './pages/admin';

export function App() {
  const url = useLocation();
  const { state } = useAuth();

  let page;
  switch (url.pathname) {
    case '/signup':
      page = <SignupPage />;
      break;
    case '/login':
      page = <LoginPage />;
      break;
    case '/verify':
      page = <VerifyPage />;
      break;
    case '/mfa':
      page = <MfaChallengePage />;
      break;
    case '/security':
      page = <SecurityPage />;
      break;
    case '/passwordless':
      page = <PasswordlessPage />;
      break;
    case '/passkey':
      page = <PasskeySignInPage />;
      break;
    case '/forgot-password':
      page = <ForgotPasswordPage />;
      break;
    case '/auth/magic-link':
      page = <MagicLinkPage url={url} />;
      break;
    case '/auth/reset-password':
      page = <ResetLinkPage url={url} />;
      break;
    case OAUTH_RETURN_PATH:
      page = <OAuthReturnPage url={url} />;
      break;
    case '/settings':
      page = <SettingsPage />;
      break;
    case '/settings/security':
      page = <SecurityActivityPage />;
      break;
    case '/settings/api-keys':
      page = <ApiKeysPage />;
      break;
    case '/admin':
      page = <AdminPage />;
      break;
    case '/account/recover':
      page = <RecoverAccountPage url={url} />;
      break;
    case '/organization':
      page = <OrganizationPage />;
      break;
    case INVITATION_PATH:
      page = <InvitationPage url={url} />;
      break;
    case '/account/undo-email':
      page = <UndoEmailChangePage url={url} />;
      break;
    default:
      // Keyed on who is signed in, so the viewer is fetched again with the new (or no) access token.
      page =
        state.status === 'restoring' ? (
          <div className="card">Restoring your session…</div>
        ) : (
          <ViewerCard key={state.status === 'signedIn' ? state.user.id : 'nobody'} />
        );
  }

  return (
    <>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand">
            Warden example
          </Link>
          <nav aria-label="Main">
            {state.status === 'signedIn' ? (
              <>
                <OrganizationSwitcher key={state.user.id} />
                <Link to="/organization">Organization</Link>
                <Link to="/security">Security</Link>
                <Link to="/settings">Settings</Link>
                <Link to="/settings/api-keys">API keys</Link>
                <Link to="/admin">Admin</Link>
              </>
            ) : (
              <>
                <Link to="/signup">Sign up</Link>
                <Link to="/login">Log in</Link>
                <Link to="/passwordless">Passwordless</Link>
                <Link to="/passkey">Passkey</Link>
                <Link to="/forgot-password">Forgot password</Link>
              </>
            )}
          </nav>
        </div>
      </header>
      {state.status === 'signedIn' && <ImpersonationBanner key={state.user.id} />}
      <main>{page}</main>
    </>
  );
}
