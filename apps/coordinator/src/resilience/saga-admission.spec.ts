import { SagaCapacityError } from '../application/saga-errors.js';
import { SagaAdmission } from './saga-admission.js';

describe('SagaAdmission', () => {
  it('reports the cap reached and left, once each, and refuses starts while full', () => {
    const changes: boolean[] = [];
    const admission = new SagaAdmission(10);
    admission.onChange((full) => changes.push(full));
    admission.update(8);
    admission.noteStarted(1);
    expect(() => admission.assertRoom()).not.toThrow();
    admission.noteStarted(1);
    admission.noteStarted(3);
    expect(admission.isFull).toBe(true);
    expect(() => admission.assertRoom()).toThrow(SagaCapacityError);
    admission.beginCount();
    admission.update(9);
    admission.beginCount();
    admission.update(2);
    expect(changes).toEqual([true, false]);
  });

  it('keeps the starts noted while a count was read, which the count may have missed', () => {
    const admission = new SagaAdmission(10);
    admission.beginCount();
    admission.noteStarted(8);
    admission.update(3); // read before those 8 committed
    expect(admission.count).toBe(11);
    expect(admission.isFull).toBe(true);
    admission.beginCount();
    admission.update(9);
    expect(admission.isFull).toBe(false);
  });

  it('counts the starts waiting for a write against the cap, and names them in the refusal', () => {
    const admission = new SagaAdmission(10);
    admission.update(7);
    expect(admission.isFull).toBe(false);
    expect(admission.isFullWith(2)).toBe(false);
    expect(admission.isFullWith(3)).toBe(true);
    expect(() => admission.assertRoom(2)).not.toThrow();
    expect(() => admission.assertRoom(3)).toThrow(
      '10 sagas are in flight, the limit is 10: try again later',
    );
  });
});
