/* A chart's PNG or SVG for a slide, drawn in the browser from the chart on the page (the server
 * never renders a figure a browser sends): at slide size, with the title and takeaway above the
 * chart and the footer (source, data as of, filters) at the foot of the image. Tick labels, legends
 * and bar labels grow with the slide's larger type, so the chart is drawn off screen first, every
 * text measured, and the margins widened until no text is cut at an edge or sits on another:
 * window.cxSlide.draw. window.cxSlide.boxes says where every text ended up (the tests read it).
 */
(function () {
  "use strict";
  if (window.cxSlide) {
    return;
  }
  var EDGE = 24;       // pixels kept clear at every edge of the image
  var GAP = 14;        // pixels between the title block, the chart, and the footer
  var TITLE_PX = 34, TAKEAWAY_PX = 22, FOOTER_PX = 16, BODY_PX = 20;
  // A system font, not the page's web font: a PNG is painted from an SVG image, which cannot load
  // web fonts, and an SVG opens on machines without them, so text is measured here in the font
  // it will be drawn in (Arial where installed, else the same fallback for both).
  var FONT = "Arial, Helvetica, 'Liberation Sans', sans-serif";

  function escape(text) {
    return String(text || "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function wrap(text, width) {
    var lines = [], line = "";
    String(text || "").split(/\s+/).forEach(function (word) {
      if (!word) { return; }
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }

  // Characters per line: about half the type size wide on average (bold a little more); ``fit``
  // narrows the lines when a measured title turned out wider than the image.
  function perLine(width, px, bold, fit) {
    return Math.floor((fit || 1) * (width - 2 * EDGE) / (px * (bold ? 0.6 : 0.52)));
  }

  function titleText(image, fit) {
    var title = wrap(image.title, perLine(image.width, TITLE_PX, true, fit)).map(escape);
    var takeaway = wrap(image.takeaway, perLine(image.width, TAKEAWAY_PX, false, fit)).map(escape);
    var text = "<b>" + title.join("<br>") + "</b>";
    if (takeaway.length) {
      text += "<br><span style='font-size:" + TAKEAWAY_PX + "px'>" + takeaway.join("<br>") + "</span>";
    }
    return text;
  }

  function rect(el, origin) {
    var r = el.getBoundingClientRect();
    return {x0: r.left - origin.left, y0: r.top - origin.top, x1: r.right - origin.left, y1: r.bottom - origin.top};
  }

  /* Every visible text of a drawn chart: {kind, text, x0, y0, x1, y1, font} in image pixels, kind one of
   * title, footer, annotation, trace (bar and heat-map labels, clip: the plot area when clipped) or
   * label (tick labels, axis titles, legend). */
  function boxes(div) {
    var origin = div.getBoundingClientRect();
    var footerIndex = div._cxFooterIndex;
    var out = [];
    div.querySelectorAll("svg.main-svg text").forEach(function (el) {
      var text = (el.textContent || "").trim();
      var style = window.getComputedStyle(el);
      if (!text || style.display === "none" || style.visibility === "hidden" || Number(style.opacity) === 0) { return; }
      var r = rect(el, origin);
      if (r.x1 - r.x0 <= 0 || r.y1 - r.y0 <= 0) { return; }
      var kind = "label", clip = null;
      var annotation = el.closest(".annotation");
      if (el.closest(".gtitle") || el.classList.contains("gtitle")) { kind = "title"; }
      else if (annotation) {
        kind = String(annotation.getAttribute("data-index")) === String(footerIndex) ? "footer" : "annotation";
      } else if (el.closest(".plot") || el.closest(".textpoint")) {
        kind = "trace";
        var clipped = el.closest("[clip-path]");
        if (clipped && clipped.closest(".plot")) {
          var s = div._fullLayout._size;
          clip = {x0: s.l, y0: s.t, x1: s.l + s.w, y1: s.t + s.h};
        }
      }
      out.push({kind: kind, text: text, x0: r.x0, y0: r.y0, x1: r.x1, y1: r.y1, clip: clip, font: style.fontFamily});
    });
    return out;
  }

  // Every font the figure names, in the slide's font (sizes and colours kept).
  function systemFonts(node) {
    if (Array.isArray(node)) { node.forEach(systemFonts); return; }
    if (!node || typeof node !== "object") { return; }
    Object.keys(node).forEach(function (key) {
      if (key === "family" && typeof node[key] === "string") { node[key] = FONT; }
      else { systemFonts(node[key]); }
    });
  }

  function footerAnnotation(image, lines, size) {
    // Anchored at the image's foot whatever the plot area's size: paper coordinates from the margins.
    return {text: lines.join("<br>"), xref: "paper", yref: "paper", xanchor: "left", yanchor: "bottom",
            x: -(size.l - EDGE) / size.w, y: -(size.b - EDGE) / size.h, showarrow: false, align: "left",
            font: {family: FONT, size: FOOTER_PX, color: "#454545"}};
  }

  /* The chart in gd laid out for a slide in an off-screen div (resolves to that div; the caller
   * purges it). image: {title, takeaway, footer, width, height}. */
  function draw(gd, image) {
    var width = image.width, height = image.height;
    var layout = JSON.parse(JSON.stringify(gd.layout || {}));
    var data = JSON.parse(JSON.stringify(gd.data));
    data.forEach(function (trace) {  // labels past the axis range show in the margin, which then widens
      if (trace.type === "bar" || trace.type === "scatter" || trace.type === undefined) { trace.cliponaxis = false; }
    });
    systemFonts(layout); systemFonts(data);
    var pageMargin = layout.margin || {};
    var footerFit = 1;
    var footerLines = wrap(image.footer, perLine(width, FOOTER_PX, false)).map(escape);
    var footerHeight = Math.ceil(footerLines.length * FOOTER_PX * 1.3);
    layout.width = width; layout.height = height; layout.autosize = false;
    var fit = 1;
    layout.title = {text: titleText(image, fit), xref: "container", x: EDGE / width, xanchor: "left",
                    yref: "container", y: 1 - EDGE / height, yanchor: "top", font: {family: FONT, size: TITLE_PX}};
    layout.margin = {l: Math.max(pageMargin.l || 0, 90), r: Math.max(pageMargin.r || 0, 60),
                     t: 160, b: Math.max(pageMargin.b || 0, 80) + footerHeight + GAP, pad: pageMargin.pad || 0};
    layout.font = Object.assign({}, layout.font || {}, {family: FONT, size: BODY_PX});
    var grouped = function (key) {  // a multi-category axis: its group labels sit right under its labels
      var letter = key[0], id = letter + key.slice(5);
      return data.some(function (t) {
        var values = t[letter];
        return (t[letter + "axis"] || letter) === id && Array.isArray(values) && Array.isArray(values[0]);
      });
    };
    Object.keys(layout).forEach(function (key) {  // the x and y axes' zeros never meet at the corner
      if (/^[xy]axis\d*$/.test(key) && layout[key] && layout[key].type !== "multicategory" && !grouped(key)) {
        layout[key].ticklabelstandoff = Math.max(layout[key].ticklabelstandoff || 0, 10);
      }
    });
    var own = (layout.annotations || []).length;
    var div = document.createElement("div");
    div.setAttribute("aria-hidden", "true");
    div.style.cssText = "position:fixed;left:-" + (width + 100) + "px;top:0;width:" + width + "px;height:" +
                        height + "px;overflow:hidden;";
    document.body.appendChild(div);
    div._cxFooterIndex = own;
    var withFooter = function () {
      var annotations = (layout.annotations || []).slice(0, own);
      annotations.push(footerAnnotation(image, footerLines, div._fullLayout._size));
      return window.Plotly.relayout(div, {annotations: annotations});
    };
    var settle = function (round) {
      var found = boxes(div);
      var title = found.filter(function (b) { return b.kind === "title"; });
      var footer = found.filter(function (b) { return b.kind === "footer"; });
      var rest = found.filter(function (b) { return b.kind !== "title" && b.kind !== "footer"; });
      var size = div._fullLayout._size;
      var margin = {l: size.l, r: size.r, t: size.t, b: size.b};
      var moved = false;
      var titleTop = Math.min.apply(null, title.map(function (b) { return b.y0; }).concat([EDGE]));
      var titleBottom = Math.max.apply(null, title.map(function (b) { return b.y1; }).concat([EDGE]));
      var footerTop = Math.min.apply(null, footer.map(function (b) { return b.y0; }).concat([height - EDGE]));
      var top = Math.min.apply(null, rest.map(function (b) { return b.y0; }).concat([height]));
      var bottom = Math.max.apply(null, rest.map(function (b) { return b.y1; }).concat([0]));
      var left = Math.min.apply(null, rest.map(function (b) { return b.x0; }).concat([width]));
      var right = Math.max.apply(null, rest.map(function (b) { return b.x1; }).concat([0]));
      var footerRight = Math.max.apply(null, footer.map(function (b) { return b.x1; }).concat([0]));
      if (footerRight > width - EDGE) {  // wrap the footer shorter, and keep room for its lines
        footerFit *= 0.97 * (width - 2 * EDGE) / (footerRight - EDGE);
        footerLines = wrap(image.footer, perLine(width, FOOTER_PX, false, footerFit)).map(escape);
        moved = true;
      }
      var titleRight = Math.max.apply(null, title.map(function (b) { return b.x1; }).concat([0]));
      if (titleRight > width - EDGE) {  // wrap the title and takeaway shorter
        fit *= 0.97 * (width - 2 * EDGE) / (titleRight - EDGE);
        layout.title.text = titleText(image, fit);
        moved = true;
      }
      if (titleTop < EDGE - 1) {  // a title of several lines grows upwards from its anchor
        layout.title.y -= Math.ceil(EDGE - titleTop) / height;
        titleBottom += Math.ceil(EDGE - titleTop);
        moved = true;
      }
      if (top < titleBottom + GAP) { margin.t += Math.ceil(titleBottom + GAP - top); moved = true; }
      if (bottom > footerTop - GAP) { margin.b += Math.ceil(bottom - footerTop + GAP); moved = true; }
      if (left < EDGE) { margin.l += Math.ceil(EDGE - left); moved = true; }
      if (right > width - EDGE) { margin.r += Math.ceil(right - width + EDGE); moved = true; }
      if (!moved || round >= 5) { return div; }
      layout.margin = Object.assign({}, layout.margin, margin);
      return window.Plotly.relayout(div, {margin: layout.margin, "title.y": layout.title.y,
                                          "title.text": layout.title.text}).then(withFooter).then(function () {
        return settle(round + 1);
      });
    };
    return window.Plotly.newPlot(div, data, layout, {staticPlot: true}).then(withFooter).then(function () {
      return settle(0);
    });
  }

  /* The download: draw for the slide, then Plotly's own export of that drawing. */
  function save(gd, image) {
    return draw(gd, image).then(function (div) {
      return window.Plotly.downloadImage(div, {format: image.format, width: image.width, height: image.height,
                                               filename: image.filename})
        .finally(function () { window.Plotly.purge(div); div.remove(); });
    });
  }

  window.cxSlide = {draw: draw, boxes: boxes, save: save};
})();
