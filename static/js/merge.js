// Comparing and merging two versions of a handoff's data, field by field: the pure half of a
// conflict (no DOM), used by the outbox to recognise its own writes and by the conflict dialog.

// JSON with sorted keys, so equal data gives equal text whatever the key order.
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value === undefined ? null : value);
}

export function sameData(a, b) {
  return canonicalJson(a ?? {}) === canonicalJson(b ?? {});
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

// Every leaf where the two differ, as dotted paths (`medications.2.dose`). A list item only
// one side has is one entry for the whole item.
export function differences(mine, server, prefix = "") {
  const found = [];
  const at = (key) => (prefix ? `${prefix}.${key}` : String(key));
  if (isObject(mine) && isObject(server)) {
    const keys = [...new Set([...Object.keys(mine), ...Object.keys(server)])].sort();
    for (const key of keys) found.push(...differences(mine[key], server[key], at(key)));
  } else if (Array.isArray(mine) && Array.isArray(server)) {
    for (let i = 0; i < Math.max(mine.length, server.length); i += 1) {
      if (i >= mine.length || i >= server.length) {
        found.push({ path: at(i), mine: mine[i], server: server[i] });
      } else {
        found.push(...differences(mine[i], server[i], at(i)));
      }
    }
  } else if (canonicalJson(mine) !== canonicalJson(server)) {
    found.push({ path: prefix, mine, server });
  }
  return found;
}

// The server's data with the nurse's value at every path chosen "mine".
export function merge(server, mine, minePaths) {
  const result = structuredClone(server ?? {});
  const byPath = new Map(differences(mine ?? {}, server ?? {}).map((d) => [d.path, d]));
  for (const path of minePaths) {
    const difference = byPath.get(path);
    if (difference) setAt(result, path.split("."), difference.mine);
  }
  return compact(result);
}

function setAt(target, segments, value) {
  let node = target;
  for (let i = 0; i < segments.length - 1; i += 1) {
    const key = segments[i];
    if (node[key] === null || typeof node[key] !== "object") node[key] = /^\d+$/.test(segments[i + 1]) ? [] : {};
    node = node[key];
  }
  const last = segments[segments.length - 1];
  if (value === undefined) {
    // Removed on the chosen side. Leave a hole in lists (compacted afterwards) so the indices
    // of other choices still point at the right items.
    if (Array.isArray(node)) node[last] = undefined;
    else delete node[last];
  } else {
    node[last] = structuredClone(value);
  }
}

function compact(value) {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compact);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v)]));
  return value;
}
