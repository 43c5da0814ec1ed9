import type { HearthEvent } from './api/backend.ts'

/** In-process event bus behind the API's event stream. */
export interface EventBus {
  emit (type: string, data: Record<string, unknown>): void
  on (listener: (event: HearthEvent) => void): () => void
}

export function createEventBus (): EventBus {
  const listeners = new Set<(event: HearthEvent) => void>()
  let id = 0
  return {
    emit (type, data) {
      const event: HearthEvent = { id: ++id, type, at: Date.now(), data }
      for (const l of listeners) {
        try { l(event) } catch { /* a broken listener must not stop the node */ }
      }
    },
    on (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    }
  }
}
