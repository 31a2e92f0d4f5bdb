import type { UpdraftError } from '@updraft/protocol';
import type { ClientStatus } from './types.js';

export interface UpdraftEvents {
  /** After every state change (install, launch transition, confirmation). */
  state: ClientStatus;
  /** Every failure the engine handled instead of throwing. */
  error: UpdraftError;
}

export type Listener<K extends keyof UpdraftEvents> = (payload: UpdraftEvents[K]) => void;

export class Emitter {
  private readonly listeners: { [K in keyof UpdraftEvents]: Set<Listener<K>> } = { state: new Set(), error: new Set() };

  /** Returns a function that removes the listener. */
  on<K extends keyof UpdraftEvents>(event: K, listener: Listener<K>): () => void {
    const set = this.listeners[event] as Set<Listener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof UpdraftEvents>(event: K, payload: UpdraftEvents[K]): void {
    for (const listener of this.listeners[event] as Set<Listener<K>>) {
      try {
        listener(payload);
      } catch {
        // An app's listener must not break an update cycle or a launch.
      }
    }
  }
}
