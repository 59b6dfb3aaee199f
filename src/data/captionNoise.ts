/**
 * Alt-text noise for the ALIGN-like preset. Web captions are written for other
 * purposes than describing the pixels: some have a wrong word, some miss one,
 * and some belong to another image altogether. The three corruptions are
 * mutually exclusive per caption (at most one each), so every documented rate
 * is exactly the fraction of captions it affects and a test can measure it by
 * comparing noisy with clean captions.
 */
import type { Rng } from '../engine/rng';
import { CAPTION_VOCAB, randomCaption } from './captions';

export interface CaptionNoiseRates {
  /** Fraction of captions with one word replaced by another vocabulary word. */
  wrongWord: number;
  /** Fraction of captions with one word left out. */
  droppedWord: number;
  /** Fraction of captions replaced by the caption of an unrelated image. */
  unrelated: number;
}

export type CaptionNoiseKind = keyof CaptionNoiseRates;

export interface NoisyCaption {
  caption: string;
  /** Which corruption was applied, or null for a clean caption. */
  noise: CaptionNoiseKind | null;
}

export function checkCaptionNoise(rates: CaptionNoiseRates): CaptionNoiseRates {
  for (const key of ['wrongWord', 'droppedWord', 'unrelated'] as const) {
    const r = rates[key];
    if (typeof r !== 'number' || !(r >= 0 && r <= 1)) throw new Error(`captionNoise.${key} must be a number in 0..1, got ${String(r)}`);
  }
  const total = rates.wrongWord + rates.droppedWord + rates.unrelated;
  if (total > 1) throw new Error(`captionNoise rates must sum to at most 1 (one corruption per caption), got ${total}`);
  return rates;
}

/** A vocabulary word other than `word`, uniformly. */
function otherWord(rng: Rng, word: string): string {
  const at = CAPTION_VOCAB.indexOf(word);
  if (at < 0) return CAPTION_VOCAB[rng.int(CAPTION_VOCAB.length)];
  const j = rng.int(CAPTION_VOCAB.length - 1);
  return CAPTION_VOCAB[j >= at ? j + 1 : j];
}

/**
 * Applies at most one corruption to `clean`, chosen by one draw of `rng` (the
 * caller's per-image noise stream). An empty clean caption (nothing visible)
 * has no word to replace or drop and stays empty unless replaced whole.
 * `maxObjects` bounds the objects an unrelated caption describes.
 */
export function corruptCaption(clean: string, rng: Rng, rates: CaptionNoiseRates, maxObjects = 4): NoisyCaption {
  const u = rng.next();
  const words = clean === '' ? [] : clean.split(' ');
  if (u < rates.unrelated) {
    // Another image's caption; redrawn in the rare case it matches this one word for word.
    let caption = randomCaption(rng, maxObjects);
    for (let tries = 0; caption === clean && tries < 8; tries++) caption = randomCaption(rng, maxObjects);
    return { caption, noise: 'unrelated' };
  }
  if (u < rates.unrelated + rates.wrongWord && words.length > 0) {
    const at = rng.int(words.length);
    words[at] = otherWord(rng, words[at]);
    return { caption: words.join(' '), noise: 'wrongWord' };
  }
  if (u < rates.unrelated + rates.wrongWord + rates.droppedWord && words.length > 0) {
    words.splice(rng.int(words.length), 1);
    return { caption: words.join(' '), noise: 'droppedWord' };
  }
  return { caption: clean, noise: null };
}
