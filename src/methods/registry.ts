/**
 * The implementation of a catalogued method, loaded on demand (worker side:
 * implementations import tfjs). Nothing to edit here when adding a method.
 */
import { methodIds, methodSpec } from './catalog';
import type { Method } from './types';

export async function loadMethod(id: string): Promise<Method> {
  const spec = methodSpec(id);
  if (!spec) throw new Error(`method: '${id}' is not in the catalog (methods: ${methodIds().join(', ')})`);
  return spec.load();
}
