import type { TransitionDraft } from './transition-draft.js';

/** True once the pivot's command has gone out: from then on the saga waits for it instead of turning back. */
export function pivotSent(draft: TransitionDraft): boolean {
  const pivot = draft.definition.graph.pivot;
  return pivot !== undefined && draft.step(pivot).status !== 'pending';
}
