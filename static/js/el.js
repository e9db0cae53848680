// Kept for modules not yet moved to ./dom.js (the one DOM helper); new code imports from there.
export { el } from "./dom.js";
