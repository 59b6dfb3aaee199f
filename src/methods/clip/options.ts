/**
 * CLIP's options: one strict schema with defaults, ranges, help and the paper's value
 * beside each (the spec, the form, `floplab.methods()` and the docs all read it). Free of tfjs.
 */
import { z } from 'zod';
import { option } from '../spec';
import { int } from '../optionKinds';

export const clipOptions = z.strictObject({
  textSize: option(z.enum(['mini', 'medium']).default('mini'), {
    label: 'Text encoder',
    help: "mini: 1 layer, 16 wide; medium: 2 layers, 32 wide; beside vit-b16 / vit-l16, the paper's 4 x 256 and 8 x 512 (src/models/textSizes.ts).",
    paper: 'BERT-mini 4 x 256; BERT-medium 8 x 512',
  }),
  // Our tokens are whole words; 55 characters hold about 11-12 words, i.e. 13-14 tokens with BOS
  // and EOS, so 16 covers the paper's limit with a little slack. 3 at least: BOS, a word, EOS.
  maxLen: option(int(3, 256).default(16), {
    label: 'Caption tokens',
    help: 'Caption length in tokens, BOS and EOS included.',
    paper: '55 characters',
    advanced: true,
  }),
  // 48 is toy-B's width, the lab's ViT-B analogue, as 768 is ViT-B's.
  embedDim: option(int(1, 4096).default(48), { label: 'Joint embedding', help: 'Width of the joint image-text space.', paper: '768', advanced: true }),
  captionSource: option(z.enum(['auto', 'pseudo', 'scene']).default('auto'), {
    label: 'Captions',
    help: 'auto: the dataset\'s captions where it has them, else pseudo; pseudo: "this is a photo of <label> and ..."; scene: the dataset\'s captions.',
    paper: 'pseudo-captions for JFT, alt-text for ALIGN',
  }),
});

export type ClipOptions = z.output<typeof clipOptions>;
