// Shell pieces every part of the chrome uses: the toast live region and the modal question.
import { el } from "../dom.js";

// Fixed interface text passes through here so a translation can be added in one place.
export function t(text) {
  return text;
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** toast(text): a short message in `box` (a polite live region) that clears itself after `ms`. */
export function createToast(box, { ms = 5_000 } = {}) {
  let timer = null;
  return function toast(text) {
    box.textContent = text;
    box.classList.add("toast-visible");
    clearTimeout(timer);
    timer = setTimeout(() => {
      box.classList.remove("toast-visible");
      box.textContent = "";
    }, ms);
  };
}

// A modal question; resolves true (confirm) or false (cancel, Escape).
export function confirmDialog({ id, title, text, confirmId, confirmLabel, cancelLabel = t("Cancel"), danger = false }) {
  return new Promise((resolve) => {
    const confirm = el("button", { type: "button", id: confirmId, class: `btn ${danger ? "btn-danger" : "btn-primary"}`,
      text: confirmLabel });
    const cancel = el("button", { type: "button", class: "btn", text: cancelLabel });
    const dialog = el("dialog", { id, class: "dialog", "aria-labelledby": `${id}-title`, "aria-describedby": `${id}-text` },
      el("h2", { id: `${id}-title`, text: title }),
      el("p", { id: `${id}-text`, text }),
      el("div", { class: "button-row" }, confirm, cancel));
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    confirm.addEventListener("click", () => finish(true));
    cancel.addEventListener("click", () => finish(false));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus(); // the safe choice has the focus
  });
}
