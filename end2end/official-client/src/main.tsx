// OpenAI's <ChatKit> React component, pointed at todokit's self-hosted ChatKit endpoint.
import { StrictMode, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { ChatKit, useChatKit } from '@openai/chatkit-react';

const TOKEN_KEY = 'todokit.official-client.token';

function Chat({ token }: { token: string }) {
  const { control } = useChatKit({
    api: {
      url: '/api/chatkit',
      domainKey: 'domain_pk_localhost_dev',
      // Every request carries the bearer token from `todokit token --email …`.
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('Authorization', `Bearer ${token}`);
        return fetch(input, { ...init, headers });
      },
    },
    onError: ({ error }) => console.error('chatkit', error),
  });
  return <ChatKit control={control} style={{ height: '80vh', width: 420 }} />;
}

function App() {
  const [token, setToken] = useState(() => localStorage.getItem(TOKEN_KEY) ?? '');
  const [draft, setDraft] = useState(token);
  const save = (event: FormEvent) => {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, draft.trim());
    setToken(draft.trim());
  };
  return (
    <main style={{ fontFamily: 'system-ui', padding: 16 }}>
      <form onSubmit={save}>
        <label>
          Bearer token (<code>todokit token --email you@example.com</code>){' '}
          <input value={draft} onChange={(e) => setDraft(e.target.value)} size={48} />
        </label>{' '}
        <button type="submit">Use</button>
      </form>
      {token ? <Chat key={token} token={token} /> : <p>Paste a token to start.</p>}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
