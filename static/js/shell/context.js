// What a screen gets (views/README.md): the API, the store and the outbox, limited to what
// screens may use. Subscriptions made through it end when the nurse leaves the screen.

/** makeContext({api, store, sync, user, navigate, toast, t}, onLeave) → ctx for one screen. */
export function makeContext({ api, store, sync, user, navigate, toast, t }, onLeave) {
  const controller = new AbortController();
  onLeave(() => controller.abort());
  return {
    api: { get: api.get, getRaw: api.getRaw, send: api.send, ApiError: api.ApiError, OfflineError: api.OfflineError },
    store: {
      putDraft: store.putDraft,
      getDraft: store.getDraft,
      listDrafts: store.listDrafts,
      deleteDraft: store.deleteDraft,
      findDraftByHandoff: store.findDraftByHandoff,
      newLocalId: store.newLocalId,
      cachePut: store.cachePut,
      cacheGet: store.cacheGet,
    },
    sync: {
      saveDraft: sync.saveDraft,
      finalize: sync.finalize,
      createPatient: sync.createPatient,
      status: sync.status,
      onChange: (callback) => {
        const off = sync.onChange(callback);
        onLeave(off);
        return off;
      },
      syncNow: sync.syncNow,
      list: sync.list,
      pendingPatients: sync.pendingPatients,
      patientIdFor: sync.patientIdFor,
      openConflict: sync.openConflict,
      discard: sync.discard,
      retry: sync.retry,
    },
    user,
    navigate,
    toast,
    t,
    signal: controller.signal,
  };
}
