import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApi, type FlopLabApi } from './api/floplab';
import { createLabStore } from './store/labStore';
import { App } from './ui/App';
import { createLabClient, remoteCallback } from './worker/client';

declare global {
  interface Window {
    floplab: FlopLabApi;
  }
}

const client = createLabClient();
const store = createLabStore(client, remoteCallback);
window.floplab = createApi(client, store);
void store.getState().initBackend();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
