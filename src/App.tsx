/** The FLOP Lab page: header, experiment on the left, the run and its compute on the right. */
import type { LabStore } from './store/labStore';
import { AccuracyChart } from './features/run-view/AccuracyChart';
import { Banners } from './features/shell/Banners';
import { CarbonPanel } from './features/carbon/CarbonPanel';
import { ExperimentPanel } from './features/experiment-form/ExperimentPanel';
import { ExperimentsCard } from './features/experiments/ExperimentsCard';
import { Footer } from './features/shell/Footer';
import { Header } from './features/shell/Header';
import { KernelBreakdown } from './features/run-view/KernelBreakdown';
import { KeyFigures } from './features/run-view/KeyFigures';
import { LabStoreProvider } from './ui/labContext';
import { LossChart } from './features/run-view/LossChart';
import { MethodComparison } from './features/comparison/MethodComparison';
import { MonitorsCard } from './features/run-view/MonitorsCard';
import { PaperScale } from './features/comparison/PaperScale';
import { PreviewCard } from './features/run-view/PreviewStrip';
import { RunControls } from './features/run-view/RunControls';
import { RunsCard } from './features/runs/RunsCard';
import { StepAnatomy } from './features/run-view/StepAnatomy';
import { DatasetExplorer } from './features/datasets/DatasetExplorer';
import { ImportPanel } from './features/datasets/ImportPanel';
import { useStore } from 'zustand';
import { TransferCard } from './features/run-view/TransferCard';
import './ui/styles.css';

/** The import panel, wired to the store (which sends the bytes to the worker and keeps the set). */
function ImportCard({ store }: { store: LabStore }) {
  const report = useStore(store, (s) => s.imported);
  const kept = useStore(store, (s) => s.importKept);
  return (
    <ImportPanel
      report={report}
      kept={kept}
      onImport={(payload, onProgress) => store.getState().importImages(payload, onProgress)}
      onForget={() => store.getState().forgetImported()}
    />
  );
}

export function App({ store }: { store: LabStore }) {
  return (
    <LabStoreProvider store={store}>
      <div className="app">
        <Header />
        <Banners />
        <main className="layout">
          <aside className="sidebar">
            <ExperimentPanel />
            <ImportCard store={store} />
          </aside>
          <div className="workspace">
            <RunControls />
            <KeyFigures />
            <div className="chart-grid">
              <LossChart />
              <AccuracyChart />
              <TransferCard />
              <ExperimentsCard />
              <RunsCard />
              <PreviewCard />
              <MonitorsCard />
              <KernelBreakdown />
              <MethodComparison />
              <PaperScale />
              <StepAnatomy />
              <CarbonPanel />
              <DatasetExplorer />
            </div>
          </div>
        </main>
        <Footer />
      </div>
    </LabStoreProvider>
  );
}
