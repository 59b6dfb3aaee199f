/**
 * Captions for procedural scenes: "a large red striped circle and a small blue
 * square". Words only (no punctuation), lower case, from a closed vocabulary,
 * so a whitespace word tokeniser covers every caption exactly.
 */
import { SHAPE_CLASSES } from './shapes';

export const COLOURS: readonly string[] = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'white', 'black'];
export const TEXTURES: readonly string[] = ['plain', 'striped', 'dotted', 'checked'];

/** Size words by side fraction; the middle band gets no word (as people rarely say "medium"). */
const SMALL_BELOW = 0.3;
const LARGE_ABOVE = 0.55;

export interface CaptionObject {
  cls: number;
  colour: number;
  texture: number;
  size: number;
}

/** Every word a caption can contain, and no other (the 'plain' texture and the middle size are unsaid). */
export const CAPTION_VOCAB: readonly string[] = ['a', 'an', 'and', 'small', 'large', ...COLOURS, ...TEXTURES.filter((t) => t !== 'plain'), ...SHAPE_CLASSES];

/** "a large red striped circle": article, size, colour, texture, shape. */
function describeObject(o: CaptionObject): string {
  const words: string[] = [];
  if (o.size < SMALL_BELOW) words.push('small');
  else if (o.size > LARGE_ABOVE) words.push('large');
  words.push(COLOURS[o.colour]);
  if (TEXTURES[o.texture] !== 'plain') words.push(TEXTURES[o.texture]);
  words.push(SHAPE_CLASSES[o.cls]);
  const article = /^[aeiou]/.test(words[0]) ? 'an' : 'a';
  return `${article} ${words.join(' ')}`;
}

/** Objects joined by "and", in drawing order. An empty scene has an empty caption. */
export function captionFor(objects: readonly CaptionObject[]): string {
  let caption = '';
  for (const o of objects) caption += (caption === '' ? '' : ' and ') + describeObject(o);
  return caption;
}

/** The shape classes a caption names, as class indices in first-seen order: labels mined from (possibly noisy) alt-text. */
export function shapesNamedIn(caption: string): number[] {
  const found: number[] = [];
  for (const word of caption.split(' ')) {
    const cls = SHAPE_CLASSES.indexOf(word);
    if (cls >= 0 && !found.includes(cls)) found.push(cls);
  }
  return found;
}

/** What randomCaption needs of an RNG (src/engine/rng.ts's Rng has it). */
export interface CaptionRng {
  int(n: number): number;
  uniform(lo: number, hi: number): number;
}

/**
 * A caption of 1..maxObjects random objects, drawn like scene objects (uniform
 * class, colour and texture; size across the small, unsaid and large bands):
 * the caption of some other, unrelated image, without rendering one.
 */
export function randomCaption(rng: CaptionRng, maxObjects: number): string {
  const count = 1 + rng.int(maxObjects);
  const objects: CaptionObject[] = [];
  for (let k = 0; k < count; k++)
    objects.push({ cls: rng.int(SHAPE_CLASSES.length), colour: rng.int(COLOURS.length), texture: rng.int(TEXTURES.length), size: rng.uniform(0.2, 0.7) });
  return captionFor(objects);
}
