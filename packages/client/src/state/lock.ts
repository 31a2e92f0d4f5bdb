/**
 * Serialises state transitions. launch(), notifyAppReady() and the end of sync() each read,
 * change and write the state; two interleaved would lose one change.
 */
export class Lock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
