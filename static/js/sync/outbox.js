// The outbox's in-memory mirror of its IndexedDB store: items by id, written through to the
// store one change at a time, and the rules for finding a draft's save or finalize.

export function createOutbox({ store, randomUUID, now }) {
  let items = new Map(); // id → item
  let mutex = Promise.resolve();
  const gone = new Set(); // removed items: a request still out for one must not write it back

  const ordered = () => [...items.values()].sort((a, b) => a.seq - b.seq);
  const find = (kind, localId) => [...items.values()].find((i) => i.kind === kind && i.localId === localId);

  return {
    // Outbox mutations run one at a time (the sync pass and the screens both change items).
    exclusive(task) {
      const run = mutex.then(task);
      mutex = run.catch(() => {});
      return run;
    },
    async write(item) {
      if (gone.has(item.id)) return;
      items.set(item.id, item);
      await store.outboxPut(item);
    },
    async remove(id) {
      gone.add(id);
      items.delete(id);
      await store.outboxDelete(id);
    },
    async reload() {
      items = new Map((await store.outboxAll()).map((item) => [item.id, item]));
    },
    clear() {
      items = new Map();
    },
    newItem(kind, fields) {
      const seq = Math.max(0, ...[...items.values()].map((i) => i.seq || 0)) + 1;
      return {
        id: randomUUID(),
        seq,
        kind,
        state: "waiting",
        createdAt: new Date(now()).toISOString(),
        attempts: 0,
        errors: [],
        message: null,
        attempt: null,
        doubts: [],
        rev: 1,
        ...fields,
      };
    },
    get: (id) => items.get(id),
    get size() {
      return items.size;
    },
    ordered,
    saveOf: (localId) => find("save", localId),
    finalizeOf: (localId) => find("finalize", localId),
  };
}
