// ESLint for the tablet app's plain ES modules and their node tests: a modest rule set (naming,
// unused code, const, strict equality) on top of Prettier's formatting.
import globals from "globals";
import { readFileSync } from "node:fs";

// Files not yet brought to these rules are listed in .prettierignore (the same list, one place).
const notYet = readFileSync(new URL("./.prettierignore", import.meta.url), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"))
  .map((line) => (line.endsWith("/") ? `${line}**` : line));

export default [
  { ignores: ["node_modules/**", ...notYet] },
  {
    files: ["static/js/**/*.js", "tests/js/**/*.js", "eslint.config.js"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      // The API's JSON fields are snake_case (display_name, idle_timeout_minutes): names we make are not.
      camelcase: ["error", { properties: "never", ignoreDestructuring: true, ignoreImports: true }],
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      "no-undef": "error",
      "prefer-const": "error",
      "no-var": "error",
      eqeqeq: ["error", "always", { null: "ignore" }],
    },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
];
