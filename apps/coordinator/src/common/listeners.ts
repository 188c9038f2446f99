/**
 * The listeners of one kind of event, called in the order they subscribed. A listener that
 * throws stops the ones after it: listeners here log and count, they must not throw.
 */
export class Listeners<T> {
  private readonly listeners: ((event: T) => void)[] = [];

  subscribe(listener: (event: T) => void): void {
    this.listeners.push(listener);
  }

  emit(event: T): void {
    for (const listener of this.listeners) listener(event);
  }
}
