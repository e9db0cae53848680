// English messages of the tablet app. Keys are "area.what"; see ./index.js for parameters and plurals.
// Every key here must exist in es.js too (tests/js/i18n.test.js checks both ways).
export default {
  "language.name": "English",
  // ---- sync, conflict, handoff screen, outbox (engine helper) ----
  "sync.serverAnswered": "The server answered {status}.",
  "sync.createRefused": "The server refused this new handoff (409).",
  "sync.changedElsewhere": "Changed on another device.",
  "sync.signed": "Signed.",
  "sync.signedWithSuggestions": {
    one: "Signed. {count} suggestion for the patient summary.",
    other: "Signed. {count} suggestions for the patient summary.",
  },
  "sync.locked": "The app was locked.",
  "conflict.title": "This handoff was changed on another device",
  "conflict.titleBeforeSigning": "Before signing: this handoff was changed on another device",
  // ---- end engine helper ----
};
