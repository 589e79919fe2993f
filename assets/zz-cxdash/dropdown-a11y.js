/* Dash 4's dcc.Dropdown names its button only by the selected value ("FY2023 Q1", not
   "Fiscal quarter, FY2023 Q1") and keeps an aria-hidden but focusable input as a focus proxy
   (axe: aria-hidden-focus, serious). Name each button by its <label for=...> as well, and make
   the button itself the tab stop. Re-applied whenever React re-renders a dropdown. */
(function () {
  function fix() {
    document.querySelectorAll('.dash-dropdown-wrapper').forEach(function (wrapper) {
      var button = wrapper.querySelector('button.dash-dropdown');
      if (!button || !button.id) { return; }
      var label = document.querySelector('label[for="' + button.id + '"]');
      if (label && label.id) {
        var name = label.id + ' ' + button.id + '-value';
        if (button.getAttribute('aria-labelledby') !== name) { button.setAttribute('aria-labelledby', name); }
      }
      if (button.getAttribute('tabindex') !== '0') { button.setAttribute('tabindex', '0'); }
      var proxy = wrapper.querySelector('input.dash-dropdown-focus-target');
      if (proxy && proxy.getAttribute('tabindex') !== '-1') { proxy.setAttribute('tabindex', '-1'); }
    });
  }
  new MutationObserver(fix).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['tabindex', 'aria-labelledby']
  });
})();
