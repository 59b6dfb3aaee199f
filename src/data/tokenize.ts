/**
 * Word tokenizer for CLIP's text tower. The vocabulary is closed: the scene
 * caption words (CAPTION_VOCAB) plus the words of the paper's pseudo-captions,
 * "This is a photo of <label> and <label2> ... <label_n>." (section 2.1),
 * written here in lower case without the full stop, which tokenizing drops anyway.
 */
import { CAPTION_VOCAB } from './captions';
import { SHAPE_CLASSES } from './shapes';
import type { DatasetInfo } from './source';

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;

const SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;
const PSEUDO_WORDS = ['this', 'is', 'photo', 'of', 'a', 'an', 'and'];

/** Special tokens (ids 0-3), then every word sorted by code unit order, each once. */
export const VOCAB: readonly string[] = Object.freeze([...SPECIALS, ...[...new Set([...CAPTION_VOCAB, ...PSEUDO_WORDS, ...SHAPE_CLASSES])].sort()]);

const WORD_ID = new Map<string, number>(VOCAB.map((w, i) => [w, i]));
for (const s of SPECIALS) WORD_ID.delete(s); // specials come only from tokenize's framing, never from text

const article = (word: string): string => (/^[aeiou]/.test(word) ? 'an' : 'a');

/**
 * "this is a photo of a red circle and a square": the names of `classNames`
 * (SHAPE_CLASSES by default; fine classes like "red circle" are vocabulary
 * words too), labels deduplicated in first-seen order, "an" before a vowel.
 * An empty label list (a scene whose objects are all hidden) gives "this is a photo".
 */
export function pseudoCaption(labels: readonly number[], classNames: readonly string[] = SHAPE_CLASSES): string {
  // Guards against labels.map(pseudoCaption), which would pass the index here.
  if (!Array.isArray(classNames as unknown)) throw new Error(`pseudoCaption: classNames must be an array of class names, got ${String(classNames)}`);
  const seen: number[] = [];
  for (const l of labels) {
    if (!Number.isInteger(l) || l < 0 || l >= classNames.length)
      throw new Error(`pseudoCaption: label ${l} is not a class index in 0..${classNames.length - 1}`);
    if (!seen.includes(l)) seen.push(l);
  }
  const names = seen.map((l) => `${article(classNames[l])} ${classNames[l]}`);
  return names.length === 0 ? 'this is a photo' : `this is a photo of ${names.join(' and ')}`;
}

/**
 * The labels a pseudo-caption should name: all of them, except that a
 * hierarchical label space (JFT-like: fine classes, then the 10 parent shapes
 * last) drops the parents, which would only repeat a fine label's shape
 * ("a red circle and a circle").
 */
export function captionLabels(info: Pick<DatasetInfo, 'hierarchy' | 'numClasses'>, labels: readonly number[]): number[] {
  if (!info.hierarchy) return [...labels];
  const fine = info.numClasses - SHAPE_CLASSES.length;
  return labels.filter((l) => l < fine);
}

/** Lower-cased words: maximal runs of letters and digits (whitespace and punctuation split). */
function words(caption: string): string[] {
  return caption
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

function checkMaxLen(maxLen: number): void {
  if (!Number.isInteger(maxLen) || maxLen < 2) throw new Error(`tokenize: maxLen must be an integer >= 2 (room for BOS and EOS), got ${maxLen}`);
}

function encodeInto(caption: string, maxLen: number, out: Int32Array, offset: number): void {
  const ws = words(caption);
  const n = Math.min(ws.length, maxLen - 2);
  out[offset] = BOS;
  for (let i = 0; i < n; i++) out[offset + 1 + i] = WORD_ID.get(ws[i]) ?? UNK;
  out[offset + 1 + n] = EOS;
  // The rest stays PAD (0): callers pass zeroed arrays.
}

/**
 * [BOS, ...word ids, EOS], truncated to maxLen words-first (EOS stays the last
 * token), padded with PAD. Unknown words map to UNK.
 */
export function tokenize(caption: string, maxLen: number): Int32Array {
  checkMaxLen(maxLen);
  const out = new Int32Array(maxLen);
  encodeInto(caption, maxLen, out, 0);
  return out;
}

/** Row-major [B, maxLen] token ids. */
export function tokenizeBatch(captions: readonly string[], maxLen: number): Int32Array {
  checkMaxLen(maxLen);
  const out = new Int32Array(captions.length * maxLen);
  captions.forEach((c, i) => encodeInto(c, maxLen, out, i * maxLen));
  return out;
}

/** Words of a token sequence joined by spaces: PAD and BOS skipped, stops at EOS, UNK shown as <unk>. */
export function detokenize(ids: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === EOS) break;
    if (id === PAD || id === BOS) continue;
    if (!Number.isInteger(id) || id < 0 || id >= VOCAB.length) throw new Error(`detokenize: id ${id} outside the vocabulary (0..${VOCAB.length - 1})`);
    parts.push(VOCAB[id]);
  }
  return parts.join(' ');
}
