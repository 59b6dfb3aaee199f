import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createApi, type FlopLabApi } from './api/floplab';
import { createLabStore, type LabStore } from './store/labStore';
import { RunsDb } from './store/runsDb';
import { App } from './App';
import { parseDemoRoute, demoNames } from './features/talk/demoRoute';
import { DemoError, TalkMode } from './features/talk/TalkMode';
import { createLabWorker, remoteCallback } from './worker/client';

declare global {
  interface Window {
    floplab: FlopLabApi;
  }
}

const worker = createLabWorker();
// Runs are kept in IndexedDB; without it (some private modes) the lab still works, unkept, and says so.
// Not awaited here: `window.floplab` must exist when the page's load event fires (`ready` says when it is up).
const db = RunsDb.open().catch((e: Error) => {
  console.warn(`runs will not be kept: ${e.message}`);
  return null;
});
const store = createLabStore(worker.client, remoteCallback, {
  db,
  restartWorker: async () => {
    worker.restart();
    await store.getState().initBackend();
    await store.getState().restoreImported(); // the new worker starts without the imported images
  },
});
// initBackend records its own failure in the state; a failed listing leaves the runs unlisted, not the lab down.
const listed = store
  .getState()
  .refreshRuns()
  .catch((e: Error) => console.warn(`could not list stored runs: ${e.message}`));
// The imported images kept from an earlier visit go back into the worker before the lab is ready.
const restored = store
  .getState()
  .restoreImported()
  .catch((e: Error) => console.warn(`could not restore the imported images: ${e.message}`));
const ready = Promise.all([store.getState().initBackend(), listed, restored]).then(() => undefined);
window.floplab = createApi(worker.client, store, ready);

/** The location hash, kept current: `#demo=...` switches between the lab and talk mode without a reload. */
function useHash(): [string, (hash: string) => void] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    window.addEventListener('hashchange', update);
    window.addEventListener('popstate', update);
    return () => {
      window.removeEventListener('hashchange', update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  const navigate = (next: string) => {
    // pushState fires no hashchange: the state is set here, and Back returns to the talk.
    history.pushState(null, '', `${location.pathname}${location.search}${next}`);
    setHash(next);
  };
  return [hash, navigate];
}

/** The lab, or the presenter view a `#demo=` link asks for, or what is wrong with that link. */
function Root({ store }: { store: LabStore }) {
  const [hash, navigate] = useHash();
  const route = parseDemoRoute(hash);
  if (route.kind === 'error') return <DemoError message={route.message} validIds={demoNames()} />;
  if (route.kind === 'demo') return <TalkMode key={hash} store={store} route={route} onLeave={() => navigate('')} />;
  return <App store={store} />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root store={store} />
  </StrictMode>,
);
