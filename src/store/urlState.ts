/**
 * The whole experiment lives in the URL hash (`#config=<JSON>`), so a link
 * reproduces a run. A malformed hash is reported, never thrown.
 */
import { validateConfig, type ExperimentInput } from '../train/config';

export function readConfigFromHash(hash: string): { input?: ExperimentInput; error?: string } {
  const m = /(?:^#|&)config=([^&]*)/.exec(hash);
  if (!m) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeURIComponent(m[1]));
  } catch {
    return { error: 'URL #config is not valid JSON; the default experiment is loaded instead' };
  }
  const v = validateConfig(parsed);
  if (!v.ok) return { error: `URL #config is invalid (${v.error.message}); the default experiment is loaded instead` };
  return { input: parsed as ExperimentInput };
}

export function configToHash(input: ExperimentInput): string {
  return `#config=${encodeURIComponent(JSON.stringify(input))}`;
}
