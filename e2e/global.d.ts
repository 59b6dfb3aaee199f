import type { FlopLabApi } from '../src/api/floplab';

declare global {
  interface Window {
    floplab: FlopLabApi;
  }
}
