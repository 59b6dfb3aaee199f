/**
 * The talk-mode route: `#demo=<id>[&backend=wasm|webgpu|cpu][&autostart=1]`.
 * Pure (no DOM, no store), so every case is unit tested
 * (src/features/talk/demoRoute.test.ts). A hash without `demo=` is the normal lab; a bad
 * demo id or parameter is an error route whose message the page shows, never
 * a blank screen.
 */
import { EXPERIMENT_PRESETS } from '../../experiments/presets';

/** Backends a talk may pin; without `&backend=` the page's automatic choice runs. */
const DEMO_BACKENDS = ['wasm', 'webgpu', 'cpu'] as const;
type DemoBackend = (typeof DEMO_BACKENDS)[number];

/**
 * Names a speaker would type, mapped to preset ids. `figure1` is the talk
 * preset (Figure 1 in miniature, minutes not hours); the full Figure 1 sweep
 * stays reachable as `figure1-full`.
 */
const DEMO_ALIASES: Readonly<Record<string, string>> = { figure1: 'talk', 'figure1-full': 'figure1' };

export type DemoRoute =
  { kind: 'lab' } | { kind: 'demo'; presetId: string; backend: DemoBackend | null; autostart: boolean } | { kind: 'error'; message: string };

/** Presets a talk can show: the sweeps (a profile preset trains nothing and has no accuracy curve). */
const sweepPresetIds = (): string[] => EXPERIMENT_PRESETS.filter((p) => p.kind === 'sweep').map((p) => p.id);

/** Every name `#demo=` accepts: the sweep presets (those an alias does not shadow), then the aliases. */
export function demoNames(): string[] {
  return [...sweepPresetIds().filter((id) => !(id in DEMO_ALIASES)), ...Object.keys(DEMO_ALIASES)];
}

/** The accepted names as a sentence part, aliases with their target: "smoke, ..., figure1 (= talk)". */
export function validDemoNames(): string {
  return demoNames()
    .map((name) => (name in DEMO_ALIASES ? `${name} (= ${DEMO_ALIASES[name]})` : name))
    .join(', ');
}

/** The route a location hash asks for. */
export function parseDemoRoute(hash: string): DemoRoute {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const requested = params.get('demo');
  if (requested === null) return { kind: 'lab' };
  const name = requested.trim().toLowerCase();
  if (!name) return { kind: 'error', message: `No demo named in the URL (#demo=<name>). Valid demos: ${validDemoNames()}.` };

  const presetId = DEMO_ALIASES[name] ?? name;
  const preset = EXPERIMENT_PRESETS.find((p) => p.id === presetId);
  if (!preset) return { kind: 'error', message: `Unknown demo '${requested}'. Valid demos: ${validDemoNames()}.` };
  if (preset.kind !== 'sweep')
    return {
      kind: 'error',
      message: `'${requested}' counts FLOPs per step and trains nothing, so it has no talk view; open it in the lab. Valid demos: ${validDemoNames()}.`,
    };

  const backend = params.get('backend');
  if (backend !== null && !(DEMO_BACKENDS as readonly string[]).includes(backend))
    return {
      kind: 'error',
      message: `Unknown backend '${backend}' in the URL (&backend=): use ${DEMO_BACKENDS.join(', ')}, or leave it out for the automatic choice.`,
    };

  const autostart = params.get('autostart');
  if (autostart !== null && !['1', '0', 'true', 'false'].includes(autostart))
    return { kind: 'error', message: `&autostart= must be 1 or 0, got '${autostart}'.` };

  return { kind: 'demo', presetId, backend: backend as DemoBackend | null, autostart: autostart === '1' || autostart === 'true' };
}
