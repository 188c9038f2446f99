// Which outbox lane a saga's rows take: every row of a saga takes the same lane while
// OUTBOX_LANES stays the same, so the relay that works a lane sends them in order (across a
// change of the count, the relay makes a row wait for its saga's earlier rows in other lanes).

/** The outbox lane of a saga: FNV-1a of its id, modulo the lane count. */
export function laneOf(sagaId: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sagaId.length; i++) {
    hash ^= sagaId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}
