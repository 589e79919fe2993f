/* Load uswds.min.js only after Dash has rendered the page.
 *
 * USWDS wires clicks by delegation from <body>, which works for React-rendered
 * markup, but some components also set up state in init() for the elements
 * present at load time: the mobile "Menu" nav builds its focus trap there, and
 * without it clicking "Menu" throws "Cannot read properties of null (reading
 * 'update')" (focus is not moved into the menu). Dash renders the layout after
 * the assets' scripts run, so this loader waits for the USWDS markup, then
 * injects the script: its init() then sees the header.
 *
 * Needs dash.Dash(..., assets_ignore=r"uswds\.min\.js$") so Dash does not also
 * load it in <head>. Without that setting it does nothing (USWDS is loaded already).
 */
(function () {
  "use strict";
  if (window.uswdsPresent) {
    return;
  }
  var self = document.currentScript && document.currentScript.src;
  var src = self
    ? self.replace(/zz-cxdash\/uswds-loader\.js(\?.*)?$/, "uswds/js/uswds.min.js")
    : "/assets/uswds/js/uswds.min.js";
  var MARKUP = ".usa-header, .usa-banner, .usa-skipnav, .usa-identifier";

  function load() {
    if (window.uswdsPresent || document.getElementById("uswds-js")) {
      return;
    }
    var script = document.createElement("script");
    script.id = "uswds-js";
    script.src = src;
    document.body.appendChild(script);
  }

  function start() {
    if (document.querySelector(MARKUP)) {
      load();
      return;
    }
    var observer = new MutationObserver(function () {
      if (document.querySelector(MARKUP)) {
        observer.disconnect();
        load();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
    window.setTimeout(function () {
      observer.disconnect();
      load();
    }, 15000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start, { once: true });
  } else {
    start();
  }
})();
