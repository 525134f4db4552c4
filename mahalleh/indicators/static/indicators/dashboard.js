/*
 * Dashboard charts (ECharts) and the choropleth map (Leaflet), both vendored.
 * Each reads its figures from a json_script block; every chart has a table of the same figures
 * on the page, so nothing is shown only as a picture. Colours are never the only signal: the
 * map's legend names each class and the status badges carry words.
 */
(function () {
  'use strict';

  function readJson(id) {
    const el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function faDigits(text, persian) {
    if (!persian || text === null || text === undefined) return text === null || text === undefined ? '' : String(text);
    return String(text).replace(/[0-9]/g, (d) => String.fromCharCode(0x06F0 + Number(d))).replace('.', '٫');
  }

  function drawTrend() {
    const data = readJson('trend-data');
    const el = document.getElementById('trend-chart');
    if (!data || !el || !window.echarts) return;
    const chart = window.echarts.init(el, null, { renderer: 'svg' });
    const fa = data.persian;
    const series = [
      { name: data.names.value, type: 'line', data: data.values, connectNulls: false, symbolSize: 6 },
      { name: data.names.target, type: 'line', step: 'end', data: data.targets, lineStyle: { type: 'dashed' }, symbol: 'none' },
    ];
    if (data.baseline !== null && data.baseline !== undefined) {
      series.push({ name: data.names.baseline, type: 'line', data: data.labels.map(() => data.baseline), lineStyle: { type: 'dotted' }, symbol: 'none' });
    }
    chart.setOption({
      textStyle: { fontFamily: 'Vazirmatn, sans-serif' },
      tooltip: { trigger: 'axis', valueFormatter: (v) => faDigits(v, fa) },
      legend: { top: 0 },
      grid: { left: 48, right: 48, top: 36, bottom: 48 },
      xAxis: { type: 'category', data: data.labels, inverse: fa, axisLabel: { rotate: 45 } },
      yAxis: { type: 'value', position: fa ? 'right' : 'left', axisLabel: { formatter: (v) => faDigits(v, fa) } },
      series: series,
    });
    el.dataset.ready = '1';
    el.dataset.points = String(data.values.filter((v) => v !== null).length);
    window.addEventListener('resize', () => chart.resize());
  }

  // Five classes from light to dark; the legend spells out each range.
  const CLASSES = ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c'];

  function drawMap() {
    const data = readJson('choropleth-data');
    const el = document.getElementById('choropleth');
    if (!data || !el || !window.L) return;
    const fa = (document.documentElement.lang || '').startsWith('fa');
    const values = data.features.map((f) => f.properties.value).filter((v) => v !== null);
    const min = values.length ? Math.min(...values) : 0;
    const max = values.length ? Math.max(...values) : 0;
    const step = (max - min) / CLASSES.length || 1;
    const classOf = (v) => Math.min(CLASSES.length - 1, Math.floor((v - min) / step));
    const map = window.L.map(el, { attributionControl: false });
    const layer = window.L.geoJSON(data, {
      style: (f) => {
        const v = f.properties.value;
        const comparison = f.properties.kind === 'comparison';
        return {
          color: comparison ? '#6c2d91' : '#333',
          weight: comparison ? 3 : 1,
          dashArray: comparison ? '6 4' : null,
          fillColor: v === null ? '#ffffff' : CLASSES[classOf(v)],
          fillOpacity: v === null ? 0.2 : 0.8,
        };
      },
      onEachFeature: (f, l) => {
        l.bindTooltip(f.properties.name + ': ' + f.properties.shown);
      },
    }).addTo(map);
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds); else map.setView([32, 53], 5);
    const legend = document.getElementById('choropleth-legend');
    if (legend) {
      // Built node by node, the colour set through the CSSOM: the Content-Security-Policy refuses
      // style="" attributes, so swatches written as HTML came out without their colour.
      legend.replaceChildren();
      CLASSES.forEach((c, i) => {
        const lo = faDigits((min + i * step).toFixed(1), fa);
        const hi = faDigits((min + (i + 1) * step).toFixed(1), fa);
        const item = document.createElement('span');
        item.className = 'me-2';
        const swatch = document.createElement('span');
        swatch.className = 'legend legend-class';
        swatch.style.backgroundColor = c;
        item.append(swatch, ' ' + lo + '–' + hi);
        legend.append(item);
      });
      const comparison = document.createElement('span');
      comparison.className = 'ms-2';
      comparison.textContent = legend.dataset.comparison || '';
      legend.append(comparison);
    }
    el.dataset.ready = '1';
    el.dataset.features = String(data.features.length);
  }

  function init() { drawTrend(); drawMap(); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
