// Dotted data paths ("medications.2.dose"): read, write, and name them with the definition's labels.
const parts = (path) => (path === "" || path == null ? [] : String(path).split("."));

export function getIn(obj, path) {
  for (const k of parts(path)) {
    if (obj == null || typeof obj !== "object") return undefined;
    obj = obj[k];
  }
  return obj;
}

/** Set (or, with value undefined, remove) the value at path, creating groups and lists on the way. */
export function setIn(obj, path, value) {
  const ks = parts(path);
  const last = ks.pop();
  for (const [i, k] of ks.entries()) {
    if (obj[k] == null || typeof obj[k] !== "object") {
      if (value === undefined) return;
      obj[k] = /^\d+$/.test(ks[i + 1] ?? last) ? [] : {};
    }
    obj = obj[k];
  }
  if (value !== undefined) obj[last] = value;
  else if (!Array.isArray(obj)) delete obj[last];
}

export const fieldsOf = (def) => def.sections.flatMap((s) => s.fields);

/** The FIELD spec at a data path (a list index gives the list's item), or null. */
export function specAt(def, path) {
  let spec = { type: "group", fields: fieldsOf(def) };
  for (const k of parts(path)) {
    if (spec.type === "list" && /^\d+$/.test(k)) spec = spec.item;
    else if (spec.type === "group") spec = spec.fields.find((f) => f.key === k);
    else return null;
    if (!spec) return null;
  }
  return spec;
}

/** Labels along a path: ["Medicines", "Medicine 3", "Dose"]; unknown keys keep their key. */
export function labelsFor(def, path) {
  const out = [];
  let spec = { type: "group", fields: fieldsOf(def) };
  for (const k of parts(path)) {
    if (spec?.type === "list" && /^\d+$/.test(k)) {
      spec = spec.item;
      out.push(`${spec.label} ${+k + 1}`);
    } else {
      spec = spec?.type === "group" ? spec.fields.find((f) => f.key === k) : null;
      out.push(spec ? spec.label : k);
    }
  }
  return out;
}

export const labelFor = (def, path) => labelsFor(def, path).join(" › ");
