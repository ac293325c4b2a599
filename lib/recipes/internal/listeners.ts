/**
 * A small typed listener set: `on()` returns the unsubscribe function, `emit()` calls every
 * listener and reports a throwing listener without stopping the others.
 * @module
 */

/** Listeners of one event type. */
export class Listeners<E> {
  private readonly set = new Set<(event: E) => void>()

  /** Adds a listener; returns the function that removes it. */
  on(listener: (event: E) => void): () => void {
    this.set.add(listener)
    return () => this.set.delete(listener)
  }

  /** Calls every listener with `event`. */
  emit(event: E): void {
    for (const listener of [...this.set]) {
      try {
        listener(event)
      } catch (error) {
        // A listener's bug must not break the recipe's bookkeeping; surface it as Node does.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }
}

/** Resolves when `signal` aborts (at once if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}
