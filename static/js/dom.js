// The app's one DOM helper: build nodes without HTML strings (CSP- and XSS-safe; text always goes
// in as text nodes).
//
// el(tag, attributes, ...children)
//   "text"   sets textContent;  "class" the class name;  "data" an object of data-* values;
//   "on…"    adds a listener ("onclick": fn);
//   value, checked, disabled, hidden, selected, open are set as properties; other names as attributes
//   (true → present and empty). false, null and undefined attributes are skipped.
//   children: nodes, strings or numbers, arrays of them (flattened); null, undefined and false skipped.
const PROPERTIES = new Set(["value", "checked", "disabled", "hidden", "selected", "open"]);

export function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name === "data") {
      for (const [key, item] of Object.entries(value))
        if (item !== null && item !== undefined) node.dataset[key] = item;
    } else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (PROPERTIES.has(name)) node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  return add(node, children);
}

/** Append children (as el() takes them) to `node`; returns `node`. */
export function add(node, children) {
  for (const child of [children].flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false)
      node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Replace `node`'s children with `children`; returns `node`. */
export function clear(node, ...children) {
  node.replaceChildren();
  return add(node, children);
}

/** `fn` called `ms` after the last call; `.cancel()` drops a pending call. */
export function debounce(fn, ms) {
  let timer;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}

/** A `<button type="button">` (never a form submit by accident), class "btn" unless given. */
export function button(attributes, ...children) {
  return el("button", { type: "button", class: "btn", ...attributes }, ...children);
}
