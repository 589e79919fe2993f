/* What a menu is expected to do, on top of the native <details> each download menu is
 * (dashboard/components/download_menu.py): Escape closes an open menu and returns focus to its
 * button; choosing an item, clicking elsewhere or opening another menu closes it.
 */
(function () {
  "use strict";
  if (window.cxDownloadMenus) {
    return;
  }
  window.cxDownloadMenus = true;
  var closeAll = function (except) {
    document.querySelectorAll("details.cx-download[open]").forEach(function (menu) {
      if (menu !== except) { menu.removeAttribute("open"); }
    });
  };
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = event.target.closest && event.target.closest("details.cx-download[open]");
    if (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    var menu = event.target.closest && event.target.closest("details.cx-download");
    if (menu && event.target.closest(".cx-download__item")) {
      // after Dash has seen the click: close, and keep focus on the menu's button
      setTimeout(function () { menu.removeAttribute("open"); menu.querySelector("summary").focus(); }, 0);
      return;
    }
    closeAll(menu);
  });
})();
