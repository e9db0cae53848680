// Spanish messages of the tablet app (same keys as en.js).
export default {
  "language.name": "Español",
  // ---- sync, conflict, handoff screen, outbox (engine helper) ----
  "sync.serverAnswered": "El servidor respondió {status}.",
  "sync.createRefused": "El servidor rechazó esta nueva entrega (409).",
  "sync.changedElsewhere": "Modificada en otro dispositivo.",
  "sync.signed": "Firmada.",
  "sync.signedWithSuggestions": {
    one: "Firmada. {count} sugerencia para el resumen del paciente.",
    other: "Firmada. {count} sugerencias para el resumen del paciente.",
  },
  "sync.locked": "La aplicación se bloqueó.",
  "conflict.title": "Esta entrega se modificó en otro dispositivo",
  "conflict.titleBeforeSigning": "Antes de firmar: esta entrega se modificó en otro dispositivo",
  // ---- end engine helper ----
};
