// Kept for modules not yet moved to ../dom.js (the one DOM helper, where h is called el).
export { el as h, add, clear, debounce } from "../dom.js";
