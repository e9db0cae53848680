// The take-home link page: the token comes from the fragment, leaves the address bar, and is posted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { linkFromFragment, openLink } from "../../static/js/share-open.js";

const TOKEN = "A".repeat(21) + "b_c-9" + "z".repeat(17); // 43 characters, like a real one

test("a fragment names the token and whether the page or the PDF is wanted", () => {
  assert.deepEqual(linkFromFragment(`#${TOKEN}`), { token: TOKEN, as: "page" });
  assert.deepEqual(linkFromFragment(`#${TOKEN}.pdf`), { token: TOKEN, as: "pdf" });
  assert.deepEqual(linkFromFragment(`#t=${TOKEN}`), { token: TOKEN, as: "page" });
});

test("anything else names no token", () => {
  for (const hash of ["", "#", "#short", `#${TOKEN}/x`, `#${TOKEN} `, "#<script>", `#${"a".repeat(101)}`, null]) {
    assert.equal(linkFromFragment(hash), null, String(hash));
  }
});

function fakePage(hash) {
  const shown = { opening: { hidden: false }, incomplete: { hidden: true } };
  const form = { elements: { token: { value: "" }, as: { value: "page" } }, submitted: 0 };
  form.submit = () => (form.submitted += 1);
  const doc = {
    getElementById: (id) => (id === "open-link" ? form : null),
    querySelectorAll: (selector) => [shown[/data-state=(\w+)/.exec(selector)[1]]],
  };
  const history = { urls: [], replaceState: (_state, _title, url) => history.urls.push(url) };
  return { doc, form, shown, history, loc: { hash, pathname: "/p/", search: "" } };
}

test("the token is taken out of the address bar before it is posted", () => {
  const page = fakePage(`#${TOKEN}.pdf`);
  assert.equal(openLink(page.doc, page.loc, page.history), true);
  assert.deepEqual(page.history.urls, ["/p/"]);
  assert.equal(page.form.elements.token.value, TOKEN);
  assert.equal(page.form.elements.as.value, "pdf");
  assert.equal(page.form.submitted, 1);
});

test("a page opened without a token says the link is incomplete and posts nothing", () => {
  const page = fakePage("#not-a-token");
  assert.equal(openLink(page.doc, page.loc, page.history), false);
  assert.deepEqual(page.history.urls, ["/p/"]);
  assert.equal(page.form.submitted, 0);
  assert.equal(page.shown.opening.hidden, true);
  assert.equal(page.shown.incomplete.hidden, false);
});
