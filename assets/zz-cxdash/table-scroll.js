/* A table wider than its column scrolls inside its own box (USWDS's scrollable container), never
   clipped and never the whole page. Mark a box whose table does not fit (data-overflows), so the
   stylesheet shows a cue in words ("Scroll sideways ..."); the mark follows window
   resizes, opened "View as table" sections and every re-render. */
(function () {
  var SELECTOR = '.usa-table-container--scrollable';
  var watched = new WeakSet();
  var sizes = typeof ResizeObserver === 'function' ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) { mark(entry.target.closest(SELECTOR)); });
  }) : null;

  function mark(box) {
    var overflows = box.scrollWidth > box.clientWidth + 1;
    if (overflows !== box.hasAttribute('data-overflows')) {
      if (overflows) { box.setAttribute('data-overflows', ''); } else { box.removeAttribute('data-overflows'); }
    }
  }

  function scan() {
    document.querySelectorAll(SELECTOR).forEach(function (box) {
      if (!watched.has(box)) {
        watched.add(box);
        if (sizes) { sizes.observe(box); var table = box.querySelector('table'); if (table) { sizes.observe(table); } }
      }
      mark(box);
    });
  }

  // Dash re-renders in bursts: measure once per frame, not once per change.
  var pending = false;
  function soon() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; scan(); });
  }
  new MutationObserver(soon).observe(document.documentElement, { subtree: true, childList: true });
  document.addEventListener('toggle', soon, true);  // a "View as table" <details> opened
  window.addEventListener('resize', soon);
})();
