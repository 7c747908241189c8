import { createRoot } from 'react-dom/client';
import { ApolloProvider } from '@apollo/client/react';
import { createWardenClient } from './apollo';
import { AuthProvider } from './auth';
import { App } from './App';
import { CaptchaPrompt } from './captcha';
import './styles.css';

const { auth, client, captcha } = createWardenClient();

createRoot(document.getElementById('root')!).render(
  <ApolloProvider client={client}>
    <AuthProvider auth={auth}>
      <App />
      <CaptchaPrompt solver={captcha} />
    </AuthProvider>
  </ApolloProvider>,
);
