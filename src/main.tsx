import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApi, type FlopLabApi } from './api/floplab';
import { createLabStore } from './store/labStore';
import { RunsDb } from './store/runsDb';
import { App } from './ui/App';
import { createLabWorker, remoteCallback } from './worker/client';

declare global {
  interface Window {
    floplab: FlopLabApi;
  }
}

const worker = createLabWorker();
// Runs are kept in IndexedDB; without it (some private modes) the lab still works, unkept, and says so.
const db = await RunsDb.open().catch((e: Error) => {
  console.warn(`runs will not be kept: ${e.message}`);
  return null;
});
const store = createLabStore(worker.client, remoteCallback, {
  db,
  restartWorker: async () => {
    worker.restart();
    await store.getState().initBackend();
  },
});
window.floplab = createApi(worker.client, store);
void store.getState().initBackend();
void store.getState().refreshRuns();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
