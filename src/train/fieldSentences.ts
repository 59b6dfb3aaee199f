/**
 * Config problems in people's words (issue 19): "Batch size must be a whole number of at
 * least 1", not "batchSize: Too small: expected number to be >=1". Each field is named by the
 * label the form shows it under (`missing`: the value is absent); whole-number and range facts come from the config schema
 * itself (its JSON schema), so a sentence cannot drift from the rule it reports. Pure: the
 * config validation, the form and the API share it.
 */
import { z } from 'zod';

/** The form's label of each config field (methodOptions.* come from the method's own option labels). */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  method: 'Method',
  model: 'Model',
  'model.imageSize': 'Image size',
  'model.patchSize': 'Patch size',
  'model.dim': 'Width',
  'model.depth': 'Depth',
  'model.heads': 'Heads',
  'model.mlpDim': 'MLP width',
  batchSize: 'Batch size',
  steps: 'Steps',
  budgetFlops: 'FLOP budget',
  seed: 'Seed',
  backend: 'Backend',
  logEvery: 'Log every (steps)',
  evalEvery: 'Probe every (steps)',
  checkpointEvery: 'Checkpoint every (steps)',
  'dataset.preset': 'Pre-training dataset',
  'dataset.size': 'Dataset size',
  'dataset.numClasses': 'Classes',
  'optim.lr': 'Learning rate',
  'optim.minLr': 'Final learning rate',
  'optim.warmupSteps': 'Warm-up steps',
  'optim.weightDecay': 'Weight decay',
  'optim.beta1': 'AdamW beta1',
  'optim.beta2': 'AdamW beta2',
  'optim.eps': 'AdamW epsilon',
  'optim.clipNorm': 'Gradient clipping norm',
  'probe.kind': 'Online probe',
  'probe.trainSize': 'Probe training images',
  'probe.testSize': 'Probe test images',
  'probe.k': 'kNN neighbours (k)',
  'probe.dense': 'Dense patch probe',
  'probe.offThread': 'Probe on a second worker',
  'transfer.kind': 'Segmentation transfer',
  'transfer.at': 'Also at steps',
  'transfer.steps': 'Fine-tune steps',
  'transfer.seeds': 'Seeds (median)',
  'transfer.batchSize': 'Fine-tune batch',
  'transfer.lr': 'Fine-tune lr',
  'carbon.deviceName': 'Reference device',
  'carbon.peakTflops': 'Peak TFLOP/s',
  'carbon.utilization': 'Utilisation (0–1)',
  'carbon.watts': 'Board power (W)',
  'carbon.pue': 'Datacentre PUE',
  'carbon.gridGCo2PerKwh': 'Grid g CO₂ / kWh',
  'carbon.localWatts': 'This machine (W)',
};

type Issue = z.core.$ZodIssue;
interface JsonField {
  type?: string;
  properties?: Record<string, JsonField>;
  anyOf?: JsonField[];
  items?: JsonField;
}

/** The JSON schema of the field at `path` (the object branch of a union), or undefined. */
function fieldAt(root: JsonField, path: string[]): JsonField | undefined {
  let node: JsonField | undefined = root;
  for (const key of path) {
    if (!node) return undefined;
    const objectBranch: JsonField | undefined = node.anyOf?.find((b) => b.properties);
    const holder: JsonField = objectBranch ?? node;
    node = /^\d+$/.test(key) && holder.items ? holder.items : holder.properties?.[key];
  }
  return node;
}

const number = (x: number) =>
  Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential() : x.toLocaleString('en-US', { maximumFractionDigits: 6 });

/**
 * One issue as a sentence that starts with the field's label. `labelOf` names a path (the form's
 * label); `schema` is the JSON schema of the validated object, for whole-number fields.
 */
export function issueSentence(issue: Issue, path: string[], labelOf: (path: string) => string, schema: JsonField, missing = false): string {
  const label = labelOf(path.join('.'));
  if (missing && issue.code === 'invalid_type') return /^Invalid input/.test(issue.message) ? `${label} is required` : `${label} is ${issue.message}`;
  const whole = fieldAt(schema, path)?.type === 'integer';
  const kind = whole ? 'a whole number' : 'a number';
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'number' || issue.origin === 'bigint')
        return `${label} must be ${kind} ${issue.inclusive ? 'of at least' : 'above'} ${number(Number(issue.minimum))}`;
      return `${label} needs at least ${number(Number(issue.minimum))} ${issue.origin === 'string' ? 'characters' : 'entries'}`;
    case 'too_big':
      if (issue.origin === 'number' || issue.origin === 'bigint')
        return `${label} must be ${kind} ${issue.inclusive ? 'of at most' : 'below'} ${number(Number(issue.maximum))}`;
      return `${label} takes at most ${number(Number(issue.maximum))} ${issue.origin === 'string' ? 'characters' : 'entries'}`;
    case 'invalid_type':
      if (issue.expected === 'int') return `${label} must be a whole number`;
      if (issue.expected === 'number') return `${label} must be ${kind}`;
      return `${label} must be ${issue.expected === 'boolean' ? 'on or off' : issue.expected === 'string' ? 'text' : `a${/^[aeiou]/.test(issue.expected) ? 'n' : ''} ${issue.expected}`}`;
    case 'invalid_value':
      return `${label} must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `${issue.keys.join(', ')} ${issue.keys.length === 1 ? 'is not a setting' : 'are not settings'} of ${label} (a typo?)`;
    default:
      return `${label}: ${issue.message}`;
  }
}
