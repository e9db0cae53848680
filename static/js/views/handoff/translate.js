// Patient-visible free text in the edit view (DESIGN 3.6, issue 8):
// - suggestions from the phrase library and the hospital's translation memory under the fields
//   nurses fill with common wording (an ARIA combobox: arrows, Enter, Escape, or a tap), offline too;
// - for a patient who reads another language than the one the nurse types, a status under each
//   patient-visible text ("Spanish: translated" / "Spanish: not translated — Add translation") and a
//   small editor that adds the translation to the memory (POST /translations; it needs the network:
//   offline, the editor says so and keeps what was typed);
// - the untranslated texts, as advice for the "still missing" panel.
// Whether a value has a translation: the server's readability `untranslated` for the saved revision
// (kept for offline), and for a value typed since, an exact (normalized) match in the memory.
import { button, el, clear } from "../../dom.js";
import { getIn } from "../../form/paths.js";
import { language, t } from "../../i18n/index.js";
import { findTranslation, normalize, otherLanguage, phraseMemory, rankMatches } from "../../phrases.js";
import { isOffline } from "../common.js";

// Fields whose wording repeats from patient to patient: suggestions are offered there.
const SUGGESTED = [
  /^warning_signs\.\d+\.sign$/,
  /^medications\.\d+\.(purpose|change_note)$/,
  /^follow_up\.\d+\.purpose$/,
  /^self_care\.[a-z_]+$/,
];
// Patient-visible free text that shows its translation status (and any path the server lists).
const TRANSLATED = [...SUGGESTED, /^diagnoses\.(principal|secondary\.\d+)\.plain$/, /^what_matters$/];
const RETRY_MS = 30_000;
const matches = (patterns, path) => patterns.some((p) => p.test(path));
export const offersSuggestions = (path) => matches(SUGGESTED, path);

const languageName = (lang) => (lang === "es" ? t("translation.langEs") : t("translation.langEn"));

/**
 * Whether the value at `path` reaches the reader in `lang`:
 * `null` (nothing to say), `{state: "translated"}` or `{state: "untranslated", texts}` where each
 * text is exactly what a translation's source must be. `saved` is `{data, untranslated}` of the
 * server's readability for the saved revision, or null.
 */
export function translationState({ path, value, entries, saved }) {
  if (typeof value !== "string" || !value.trim()) return null;
  if (findTranslation(entries, value)) return { state: "translated" };
  const parts = sentences(value);
  if (parts.length > 1 && parts.every((p) => findTranslation(entries, p))) return { state: "translated" };
  if (saved?.data && normalize(getIn(saved.data, path)) === normalize(value)) {
    const listed = (saved.untranslated || []).filter((u) => u.path === path);
    const texts = listed.filter((u) => !findTranslation(entries, u.text)).map((u) => u.text);
    if (texts.length) return { state: "untranslated", texts };
    // Translated since, or the server found it already in the summary's language (or not shown).
    return listed.length ? { state: "translated" } : null;
  }
  return { state: "untranslated", texts: [value.trim()] };
}

/** A value's sentences, roughly as the server splits them (a translation may cover each). */
export const sentences = (text) =>
  String(text)
    .trim()
    .split(/(?<=[.!?])\s+|[\r\n]+/)
    .filter(Boolean);

/** Every string leaf of `data` with its dotted path. */
function leaves(value, path, out) {
  if (typeof value === "string") out.push(path);
  else if (Array.isArray(value)) value.forEach((v, i) => leaves(v, path ? `${path}.${i}` : String(i), out));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  return out;
}

export function createTranslations(screen, data) {
  const { ctx } = screen;
  const memory = phraseMemory(ctx);
  const typing = language(); // the nurse types in the tablet's language
  const reader = screen.patient?.preferred_language || null;
  const needed = Boolean(reader && reader !== typing);
  const target = needed ? reader : otherLanguage(typing); // entries whose sources are in the typing language
  const statuses = new Map(); // path -> {node, slot, key}
  let saved = null; // {revision, data, untranslated}
  let fetching = null;
  let fetchedFor; // the draft's revision when `saved` was last asked for
  let retryAt = 0;
  let onUpdate = () => {};
  const readabilityKey = (id) => `readability:${id}:${reader}`;

  const entriesOf = () => memory.entries(reader);
  const stateOf = (path) =>
    needed ? translationState({ path, value: getIn(data, path), entries: entriesOf(), saved }) : null;

  // ---- suggestions --------------------------------------------------------------------------
  let counter = 0;
  function combobox(input) {
    const id = `sg-${++counter}`;
    const list = el("ul", {
      class: "suggestions",
      id,
      role: "listbox",
      hidden: true,
      "aria-label": t("phrases.label"),
    });
    const live = el("span", { class: "visually-hidden", role: "status" });
    let options = [];
    let active = -1;
    let choosing = false;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);

    const close = () => {
      options = [];
      active = -1;
      list.hidden = true;
      clear(list);
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    };
    const mark = (index) => {
      active = index;
      [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", `${id}-${index}`);
        list.children[index].scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    };
    const choose = (index) => {
      const entry = options[index];
      if (!entry) return;
      choosing = true;
      input.value = entry.source;
      input.dispatchEvent(new Event("input", { bubbles: true })); // the form takes the value as typed
      choosing = false;
      close();
      live.textContent = t("phrases.chosen", { text: entry.source });
      input.focus();
    };
    const open = () => {
      const found = rankMatches(memory.entries(target), input.value);
      if (!found.length) {
        if (options.length) live.textContent = "";
        return close();
      }
      const same = found.length === options.length && found.every((e, i) => e === options[i]);
      if (same && !list.hidden) return;
      options = found;
      clear(
        list,
        found.map((entry, i) =>
          el(
            "li",
            {
              id: `${id}-${i}`,
              role: "option",
              class: "suggestion",
              "aria-selected": "false",
              onpointerdown: (e) => e.preventDefault(), // keep the focus (and the keyboard) in the field
              onclick: () => choose(i),
            },
            el("span", { class: "suggestion-source" }, entry.source),
            needed && entry.text
              ? el(
                  "span",
                  { class: "suggestion-text" },
                  t("phrases.inLanguage", { language: languageName(entry.lang), text: entry.text }),
                )
              : null,
          ),
        ),
      );
      active = -1;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      input.removeAttribute("aria-activedescendant");
      live.textContent = t("phrases.count", { count: found.length });
    };
    input.addEventListener("input", () => {
      if (!choosing) open();
    });
    input.addEventListener("keydown", (e) => {
      const shown = !list.hidden && options.length;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!shown) {
          open();
          return;
        }
        e.preventDefault();
        const last = options.length - 1;
        if (e.key === "ArrowDown") mark(active >= last ? 0 : active + 1);
        else mark(active <= 0 ? last : active - 1);
      } else if (e.key === "Enter" && shown && active >= 0) {
        e.preventDefault();
        choose(active);
      } else if (e.key === "Escape" && shown) {
        e.preventDefault();
        close();
      } else if (e.key === "Tab") close();
    });
    input.addEventListener("blur", () => setTimeout(() => document.activeElement !== input && close(), 150));
    return [list, live];
  }

  // ---- translation status and editor --------------------------------------------------------
  function statusNodes(path) {
    const node = el("p", {
      class: "translation-status",
      tabindex: "-1",
      data: { translationStatus: path, state: "none" },
    });
    const slot = el("div", { class: "translation-slot" });
    statuses.set(path, { node, slot, key: null });
    draw(path);
    return [node, slot];
  }

  function draw(path) {
    const s = statuses.get(path);
    if (!s) return;
    const state = stateOf(path);
    const key = state ? `${state.state}|${(state.texts || []).join("\u0000")}` : "none";
    if (key === s.key) return;
    s.key = key;
    s.node.dataset.state = state?.state || "none";
    s.node.hidden = !state;
    const lang = languageName(reader);
    if (!state) clear(s.node);
    else if (state.state === "translated")
      clear(
        s.node,
        el("span", { class: "tr-mark", "aria-hidden": "true" }, "✓ "),
        t("translation.translated", { language: lang }),
      );
    else {
      const editorId = `tr-ed-${path}`;
      clear(
        s.node,
        el("span", { class: "tr-mark", "aria-hidden": "true" }, "! "),
        t("translation.notTranslated", { language: lang }),
        " ",
        button(
          {
            class: "link-button tr-add",
            data: { addTranslation: path },
            "aria-expanded": String(!!s.slot.firstChild),
            "aria-controls": editorId,
            onclick: () => openEditor(path, state.texts),
          },
          t("translation.add"),
        ),
      );
    }
  }

  function openEditor(path, texts) {
    const s = statuses.get(path);
    if (!s) return;
    if (s.slot.firstChild) {
      s.slot.querySelector("textarea")?.focus();
      return;
    }
    const editorId = `tr-ed-${path}`;
    const lang = languageName(reader);
    const error = el("p", { class: "field-error", role: "alert", hidden: true });
    const rows = texts.map((text, i) => {
      const sourceId = `${editorId}-src-${i}`;
      const inputId = `${editorId}-${i}`;
      return el(
        "div",
        { class: "tr-row" },
        el("p", { class: "tr-label", id: `${sourceId}-l` }, t("translation.sourceLabel")),
        el("blockquote", { class: "tr-source", id: sourceId, lang: typing, "aria-labelledby": `${sourceId}-l` }, text),
        el("label", { for: inputId }, t("translation.textLabel", { language: lang })),
        el("textarea", {
          id: inputId,
          rows: 2,
          lang: reader,
          "aria-describedby": sourceId,
          data: { source: text, translationFor: path },
        }),
      );
    });
    const close = () => {
      clear(s.slot);
      s.key = null;
      draw(path);
    };
    const save = button({ class: "btn btn-primary", data: { saveTranslation: path } }, t("translation.save"));
    save.addEventListener("click", async () => {
      const pairs = [...s.slot.querySelectorAll("textarea")].map((a) => ({
        source: a.dataset.source,
        text: a.value.trim(),
      }));
      const filled = pairs.filter((p) => p.text);
      const say = (message) => {
        error.hidden = !message;
        error.textContent = message || "";
      };
      if (!filled.length) return say(t("translation.typeFirst"));
      save.disabled = true;
      say("");
      try {
        for (const { source, text } of filled) {
          const res = await ctx.api.send("POST", "/translations", { lang: reader, source, text });
          if (!res.ok) {
            const detail = res.body?.errors ? Object.values(res.body.errors).flat().join(" ") : "";
            return say(res.body?.message ? `${res.body.message} ${detail}`.trim() : t("translation.failed"));
          }
          await memory.remember(res.body);
        }
        clear(s.slot);
        s.key = null;
        draw(path);
        s.node.focus();
        ctx.toast(t("translation.saved", { language: lang }));
        onUpdate();
      } catch (e) {
        say(isOffline(e) ? t("translation.needsNetwork") : t("translation.failed"));
      } finally {
        save.disabled = false;
      }
    });
    clear(
      s.slot,
      el(
        "div",
        { class: "translation-editor", id: editorId, role: "group", "aria-labelledby": `${editorId}-t` },
        el("p", { class: "tr-title", id: `${editorId}-t` }, t("translation.editorTitle", { language: lang })),
        rows,
        error,
        el(
          "div",
          { class: "button-row" },
          save,
          button({ class: "btn", onclick: () => (close(), statuses.get(path)?.node.focus()) }, t("common.cancel")),
        ),
      ),
    );
    s.node.querySelector("[aria-expanded]")?.setAttribute("aria-expanded", "true");
    s.slot.querySelector("textarea").focus();
  }

  // ---- the server's view of the saved revision ----------------------------------------------
  async function fetchSaved(id, revision) {
    try {
      const got = await ctx.api.send("GET", `/handoffs/${id}`);
      if (!got.ok) return;
      const r = await ctx.api.send("GET", `/handoffs/${id}/readability?lang=${encodeURIComponent(reader)}`);
      if (!r.ok) return;
      saved = { revision: got.body.revision, data: got.body.data, untranslated: r.body.untranslated || [] };
      fetchedFor = revision;
      ctx.store.cachePut(readabilityKey(id), saved).catch(() => {});
      redrawAll();
    } catch {
      retryAt = Date.now() + RETRY_MS; // offline: the copy kept, if any, stands; ask again later
    }
  }

  function refresh() {
    if (!needed) return;
    const { handoffId, revision } = screen.draft || {};
    if (!handoffId || fetching || fetchedFor === revision || Date.now() < retryAt) return;
    fetching = fetchSaved(handoffId, revision).finally(() => {
      fetching = null;
    });
  }

  function redrawAll() {
    for (const [path, s] of statuses) {
      if (!s.node.isConnected) statuses.delete(path);
      else draw(path);
    }
    onUpdate();
  }

  // ---- what edit.js uses ----------------------------------------------------------------------
  return {
    needed,
    language: reader,
    typing,
    languageName: reader ? languageName(reader) : "",
    /** For createForm: the nodes under a text input. */
    extras(spec, path, input) {
      const nodes = [];
      if (offersSuggestions(path)) nodes.push(combobox(input));
      if (needed && (matches(TRANSLATED, path) || saved?.untranslated?.some((u) => u.path === path)))
        nodes.push(statusNodes(path));
      return nodes;
    },
    /** Start: the kept copies first (offline), then the network. */
    async start({ onChange }) {
      onUpdate = onChange || onUpdate;
      const id = screen.draft?.handoffId;
      if (needed && id) {
        const kept = await ctx.store.cacheGet(readabilityKey(id)).catch(() => null);
        if (kept && !saved) {
          saved = kept;
          redrawAll();
        }
      }
      await memory.load(target);
      redrawAll();
      refresh();
    },
    /** The value at `path` changed: its status follows. */
    changed(path) {
      if (statuses.has(path)) draw(path);
    },
    refresh,
    /** Untranslated patient-visible text, for the "still missing" panel (advice, never blocking). */
    advice() {
      if (!needed) return [];
      const paths = leaves(data, "", []).filter(
        (p) => matches(TRANSLATED, p) || saved?.untranslated?.some((u) => u.path === p),
      );
      return paths.flatMap((path) => {
        const state = stateOf(path);
        return state?.state === "untranslated" ? [{ path, texts: state.texts }] : [];
      });
    },
  };
}
