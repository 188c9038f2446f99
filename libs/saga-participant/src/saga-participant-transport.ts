/**
 * The Nest transport id of `participant`'s SagaParticipantServer: a `@SagaCommand` bound to a
 * participant carries the same id, so an application that hosts several participants (one
 * server each) registers each handler on its own participant's server only. A registered
 * symbol (`Symbol.for`), so the decorator and the server agree without sharing a value.
 */
export function sagaParticipantTransport(participant: string): symbol {
  return Symbol.for(`saga-participant:${participant}`);
}
