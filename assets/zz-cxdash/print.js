/* Before printing: a chart drawn for a wide screen would be cut at the paper's edge. Each chart
   wider than the paper's text column is redrawn at that width (its text keeps its size), and every
   chart is made to scale down to whatever width it has on paper (a viewBox on its layers; print.css
   lets them shrink), so a chart in a narrow column fits too. Each chart's "View as table" opens,
   so the handout carries the numbers. After printing, all is put back. */
(function () {
  var PAPER_WIDTH = 690;  // CSS pixels across US Letter inside half-inch margins (720), less a little
  var redrawn = [];
  var scaled = [];
  var opened = [];

  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('.js-plotly-plot').forEach(function (graph) {
      if (!graph.layout || !graph.offsetWidth) { return; }
      if (window.Plotly && graph.offsetWidth > PAPER_WIDTH) {
        redrawn.push([graph, graph.layout.width]);
        window.Plotly.relayout(graph, { width: PAPER_WIDTH });
      }
      var container = graph.querySelector('.svg-container');
      var width = graph._fullLayout ? graph._fullLayout.width : graph.offsetWidth;
      var height = graph._fullLayout ? graph._fullLayout.height : graph.offsetHeight;
      if (!container || !width || !height) { return; }
      graph.querySelectorAll('svg.main-svg').forEach(function (svg) {
        svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
      });
      container.style.setProperty('--cx-print-aspect', width + ' / ' + height);
      container.style.setProperty('--cx-print-width', width + 'px');
      scaled.push(graph);
    });
    document.querySelectorAll('details.cx-chart__table:not([open])').forEach(function (details) {
      details.open = true;
      opened.push(details);
    });
  });

  window.addEventListener('afterprint', function () {
    scaled.splice(0).forEach(function (graph) {
      graph.querySelectorAll('svg.main-svg').forEach(function (svg) { svg.removeAttribute('viewBox'); });
      var container = graph.querySelector('.svg-container');
      if (container) {
        container.style.removeProperty('--cx-print-aspect');
        container.style.removeProperty('--cx-print-width');
      }
    });
    redrawn.splice(0).forEach(function (entry) {
      window.Plotly.relayout(entry[0], { width: entry[1] === undefined ? null : entry[1] });
    });
    opened.splice(0).forEach(function (details) { details.open = false; });
  });
})();
