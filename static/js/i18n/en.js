// English messages of the tablet app. Keys are "area.what"; see ./index.js for parameters and plurals.
// Every key here must exist in es.js too (tests/js/i18n.test.js checks both ways).
export default {
  "language.name": "English",
};
