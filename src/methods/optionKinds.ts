/**
 * The kinds of number a method option takes, shared by the methods' option schemas.
 */
import { z } from 'zod';

export const int = (min: number, max: number) => z.number().int().min(min).max(max);
export const unit = () => z.number().min(0).max(1);
export const widthMult = () => z.number().gt(0).max(16);
export const temperature = () => z.number().gt(0).max(10);
