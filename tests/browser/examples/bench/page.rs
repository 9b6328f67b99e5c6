//! What the bench runs in the page: the watches that time a switch, a
//! key press or a load to the frame that shows it, the check cycles and
//! switches of the long run, and what a load fetched (Resource Timing).

use super::*;

/// Records, from the next pointer press, the time to the frame after which
/// the status panel shows `arguments[1]` for entity `arguments[0]`.
pub(crate) const ARM_SWITCH: &str = r#"
const [entity, status] = arguments;
const b = window.__bench = { t0: null, t1: null };
const mark = () => { if (b.t0 === null) b.t0 = performance.now(); };
document.addEventListener('pointerdown', mark, { capture: true, once: true });
document.addEventListener('mousedown', mark, { capture: true, once: true });
const shown = () => {
  const s = document.querySelector('section.status');
  return s && s.dataset.status === status && s.dataset.entity === entity;
};
const watch = new MutationObserver(() => {
  if (b.t0 !== null && b.t1 === null && shown()) {
    watch.disconnect();
    requestAnimationFrame(() => { b.t1 = performance.now(); });
  }
});
watch.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
"#;

/// Installed before a load (DevTools' `Page.addScriptToEvaluateOnNewDocument`),
/// so that it watches the page from its creation: `__benchShown` gives the
/// time to the frame after which the status panel shows `STATUS` for
/// `ENTITY`, however early that is (a watch started after the load
/// missed a status shown before WebDriver's `goto` returned, and counted
/// the last answer's arrival instead, too early).
pub(crate) const WATCH: &str = r#"
const [entity, status] = [ENTITY, STATUS];
window.__benchShown = new Promise((done) => {
  const shown = () => {
    const s = document.querySelector('section.status');
    return s && s.dataset.status === status && s.dataset.entity === entity;
  };
  const watch = new MutationObserver(() => {
    if (shown()) {
      watch.disconnect();
      performance.mark('bench:status-in-page');
      requestAnimationFrame(() => { performance.mark('bench:frame'); done(performance.now()); });
    }
  });
  watch.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
});
"#;

/// Records, from the next key press, the time to the frame after the
/// selector's list changes.
pub(crate) const ARM_KEY: &str = r#"
const b = window.__bench = { t0: null, t1: null };
document.addEventListener('keydown', () => { if (b.t0 === null) b.t0 = performance.now(); }, { capture: true, once: true });
const watch = new MutationObserver(() => {
  if (b.t0 !== null && b.t1 === null) {
    watch.disconnect();
    requestAnimationFrame(() => { b.t1 = performance.now(); });
  }
});
watch.observe(document.querySelector(arguments[0]), { subtree: true, childList: true, characterData: true });
"#;

pub(crate) const ELAPSED: &str = "const b = window.__bench; return b && b.t1 !== null ? b.t1 - b.t0 : null;";

/// The heap and the number of elements (after [`full_gc`]).
pub(crate) const MEMORY: &str = r#"
return { heap: performance.memory ? performance.memory.usedJSHeapSize : null,
         nodes: document.getElementsByTagName('*').length };
"#;

/// `arguments[0]` check cycles: "Refresh now", then its answer, in turn.
pub(crate) const CYCLES: &str = r#"
const [n, done] = arguments;
const button = () => [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Refresh now');
const idle = () => new Promise(r => { const t = () => (button() && !button().disabled) ? r() : setTimeout(t, 1); t(); });
(async () => { for (let i = 0; i < n; i++) { await idle(); button().click(); await new Promise(r => setTimeout(r, 5)); } await idle(); done(true); })();
"#;

/// Counts, from now, the timers pending and the listeners added and not
/// removed; `arguments[0]` entity switches through the selector; the
/// counts after each hundred.
pub(crate) const SWITCHES: &str = r#"
const [n, done] = arguments;
const live = new Set();
const setT = window.setTimeout, clearT = window.clearTimeout;
window.setTimeout = function (f, ms, ...rest) {
  const id = setT.call(window, function () { live.delete(id); return typeof f === 'function' ? f.apply(this, arguments) : undefined; }, ms, ...rest);
  live.add(id); return id;
};
window.clearTimeout = function (id) { live.delete(id); return clearT.call(window, id); };
let listeners = 0;
const add = EventTarget.prototype.addEventListener, remove = EventTarget.prototype.removeEventListener;
EventTarget.prototype.addEventListener = function (...a) { listeners++; return add.apply(this, a); };
EventTarget.prototype.removeEventListener = function (...a) { listeners--; return remove.apply(this, a); };
const input = document.getElementById('entity-input');
const paths = ['General > Public > Library', 'General > Public'];
const counts = [];
(async () => {
  for (let i = 0; i < n; i++) {
    input.focus();
    input.value = 'Public';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise(r => requestAnimationFrame(r));
    // An option says its entity's last status after its path: "… (Available)".
    const named = (li, path) => { const t = li.textContent.trim(); return t === path || t.startsWith(path + ' ('); };
    const option = [...document.querySelectorAll('li[role=option]')].find(li => named(li, paths[i % 2]));
    option.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, cancelable: true }));
    await new Promise(r => setT(r, 20));
    if ((i + 1) % 100 === 0) counts.push({ switches: i + 1, timers: live.size, listeners });
  }
  done(counts);
})();
"#;

/// What the page loaded, from Resource Timing: the bytes over the wire
/// (the API's apart), and the sequential round trips (a request counts one
/// more than the last of those that had ended before it began; one served
/// from the cache, none).
pub(crate) const LOADED: &str = r#"
const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
const api = e => /mmc-agent|api\/v1/.test(e.name);
const sum = list => list.reduce((n, e) => n + (e.transferSize || 0), 0);
const sorted = entries.slice().sort((a, b) => a.startTime - b.startTime);
const level = [];
sorted.forEach((x, i) => {
  let l = 0;
  for (let j = 0; j < i; j++) if (sorted[j].responseEnd <= x.startTime) l = Math.max(l, level[j]);
  level.push(x.transferSize > 0 ? l + 1 : l);
});
const marks = performance.getEntriesByType('mark').map(m => `${m.name}@${Math.round(m.startTime)}`);
const chain = sorted.map((e, i) => `${level[i]}:${e.name.split('/').pop().split('?')[0] || 'page'}@${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`).concat(marks).join(' ');
return { bytes: sum(entries), api: sum(entries.filter(api)), rounds: Math.max(0, ...level),
         requests: entries.filter(e => e.transferSize > 0).length, chain };
"#;
