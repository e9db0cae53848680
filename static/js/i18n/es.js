// Spanish messages of the tablet app (same keys as en.js).
export default {
  "language.name": "Español",
};
