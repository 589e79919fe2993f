/* When the session ends while a page is open (signed out in another tab, the account disabled,
 * the cookie expired), the server answers Dash's requests with 401: go to the sign-in page,
 * which brings the person back here afterwards, rather than leave a page that silently stops
 * updating. Only Dash's own requests to this server are watched.
 */
(function () {
  "use strict";
  var original = window.fetch;
  if (!original || window.cxSessionWatch) {
    return;
  }
  window.cxSessionWatch = true;
  window.fetch = function () {
    return original.apply(this, arguments).then(function (response) {
      var url = String(response.url || "");
      if (response.status === 401 && url.indexOf(window.location.origin + "/_dash-") === 0) {
        var here = window.location.pathname + window.location.search;
        window.location.assign("/sign-in?next=" + encodeURIComponent(here));
      }
      return response;
    });
  };
})();
