import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `/api/chatkit` goes to todokit (`make run`, or TODOKIT_URL). The browser's Origin is dropped:
// todokit refuses cross-site non-GET requests, and this page authenticates with a bearer token,
// like any API client, not with todokit's cookie.
const target = process.env.TODOKIT_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api/chatkit': {
        target,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReq', (req) => {
            req.removeHeader('origin');
            req.removeHeader('referer');
          });
        },
      },
    },
  },
});
