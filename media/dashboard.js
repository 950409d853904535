// The task dashboard's script: draws the data the extension posts as plain SVG charts, in the theme's colours (CSS
// variables). It builds every element with the DOM API and sets text with textContent, so nothing from a task is
// ever parsed as markup. After drawing it posts back how many marks each chart drew.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const svgNs = 'http://www.w3.org/2000/svg';
  const width = 640;
  const height = 220;
  // The band above `top` holds the legend, so that no mark is drawn over it.
  const margin = { left: 64, right: 16, top: 24, bottom: 36 };
  const charts = document.getElementById('charts');
  const summary = document.getElementById('summary');

  function svgElement(name, attributes, text) {
    const element = document.createElementNS(svgNs, name);
    for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, String(value));
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function titled(element, text) {
    element.appendChild(svgElement('title', {}, text));
    return element;
  }

  function money(value) {
    return value >= 1 ? value.toFixed(2) : value.toFixed(4);
  }

  function count(value) {
    return Math.round(value).toLocaleString('en-US');
  }

  function clock(seconds) {
    return new Date(seconds * 1000).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  /** A section with a heading and either an SVG chart or, with no data yet, a sentence saying what will show. */
  function section(id, title, emptyText) {
    const box = document.createElement('section');
    box.className = 'chart';
    box.id = id;
    const heading = document.createElement('h2');
    heading.textContent = title;
    box.appendChild(heading);
    charts.appendChild(box);
    const svg = svgElement('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
    return {
      svg,
      empty() {
        const note = document.createElement('p');
        note.className = 'empty';
        note.textContent = emptyText;
        box.appendChild(note);
      },
      show(caption) {
        box.appendChild(svg);
        if (caption) {
          const note = document.createElement('p');
          note.className = 'caption';
          note.textContent = caption;
          box.appendChild(note);
        }
      },
    };
  }

  function axes(svg, xLabelLeft, xLabelRight, yTop) {
    const bottom = height - margin.bottom;
    svg.appendChild(svgElement('line', { class: 'axis', x1: margin.left, y1: margin.top, x2: margin.left, y2: bottom }));
    svg.appendChild(svgElement('line', { class: 'axis', x1: margin.left, y1: bottom, x2: width - margin.right, y2: bottom }));
    svg.appendChild(svgElement('text', { class: 'tick', x: margin.left, y: height - 14, 'text-anchor': 'start' }, xLabelLeft));
    svg.appendChild(svgElement('text', { class: 'tick', x: width - margin.right, y: height - 14, 'text-anchor': 'end' }, xLabelRight));
    svg.appendChild(svgElement('text', { class: 'tick', x: margin.left - 6, y: margin.top + 10, 'text-anchor': 'end' }, yTop));
    svg.appendChild(svgElement('text', { class: 'tick', x: margin.left - 6, y: bottom, 'text-anchor': 'end' }, '0'));
  }

  function legend(svg, entries) {
    let x = margin.left + 8;
    for (const [cls, text] of entries) {
      svg.appendChild(svgElement('rect', { class: cls, x, y: 4, width: 10, height: 10 }));
      svg.appendChild(svgElement('text', { class: 'tick', x: x + 14, y: 13 }, text));
      x += 24 + text.length * 6.5;
    }
  }

  function drawProgress(data) {
    const chart = section('progress', 'Samples done over time', 'No batch has been processed yet: the requests finished will show here over time.');
    const points = data.progress;
    if (points.length === 0) return chart.empty(), 0;
    const first = points[0].at;
    const last = Math.max(points[points.length - 1].at, first + 1);
    const top = Math.max(1, ...points.map((p) => p.succeeded + p.failed));
    const x = (at) => margin.left + ((at - first) / (last - first)) * (width - margin.left - margin.right);
    const y = (value) => height - margin.bottom - (value / top) * (height - margin.top - margin.bottom);
    axes(chart.svg, clock(first), clock(last), count(top));
    const line = (key, cls) => {
      const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(key(p)).toFixed(1)}`).join(' ');
      chart.svg.appendChild(svgElement('path', { class: cls, d: path }));
    };
    line((p) => p.succeeded + p.failed, 'line total');
    line((p) => p.failed, 'line failed');
    for (const p of points) chart.svg.appendChild(titled(svgElement('circle', { class: 'dot', cx: x(p.at), cy: y(p.succeeded + p.failed), r: 2.5 }), `${clock(p.at)}: ${count(p.succeeded)} succeeded, ${count(p.failed)} failed`));
    legend(chart.svg, [['swatch-total', 'requests finished'], ['swatch-failed', 'of them failed']]);
    const s = data.samples;
    chart.show(`Samples now: ${count(s.succeeded)} succeeded, ${count(s.failed)} failed, ${count(s.pending)} pending of ${count(s.committed)} committed.`);
    return points.length;
  }

  function drawCaps(data, sessionCost) {
    const chart = section('caps', 'Spend against the cost caps', 'No cost cap is set.');
    const caps = data.caps.map((cap) => (cap.option === 'max_session_cost' && cap.used === undefined && sessionCost !== undefined ? { ...cap, used: sessionCost, label: 'true cost of this run so far' } : cap));
    if (caps.length === 0) return chart.empty(), 0;
    const rowHeight = (height - margin.top - 8) / caps.length;
    const left = 150;
    const barWidth = width - left - 140;
    caps.forEach((cap, i) => {
      const top = margin.top + i * rowHeight;
      const share = cap.used === undefined || cap.limit === 0 ? 0 : Math.min(1, cap.used / cap.limit);
      chart.svg.appendChild(svgElement('text', { class: 'tick', x: left - 8, y: top + rowHeight / 2 + 4, 'text-anchor': 'end' }, cap.option));
      chart.svg.appendChild(titled(svgElement('rect', { class: 'track', x: left, y: top + 4, width: barWidth, height: rowHeight - 10 }), cap.label));
      const fill = share >= 1 ? 'bar over' : share >= 0.8 ? 'bar near' : 'bar used';
      // The reserved part (estimates of batches in flight) is drawn after the spent part, in its own colour.
      const reserved = cap.used === undefined ? 0 : Math.min(cap.used, cap.reserved ?? 0);
      const spent = cap.used === undefined ? undefined : cap.used - reserved;
      const reservedShare = cap.limit === 0 ? 0 : Math.min(share, reserved / cap.limit);
      const spentWidth = (share - reservedShare) * barWidth;
      const figures = cap.used === undefined ? 'counted while the task runs' : cap.reserved === undefined ? `${money(cap.used)} of ${money(cap.limit)}` : `${money(spent)} spent + ${money(reserved)} reserved of ${money(cap.limit)}, ${money(Math.max(0, cap.limit - cap.used))} remaining`;
      chart.svg.appendChild(titled(svgElement('rect', { class: fill, x: left, y: top + 4, width: Math.max(share > reservedShare ? 1 : 0, spentWidth), height: rowHeight - 10 }), `${cap.label}: ${figures}`));
      if (reservedShare > 0) chart.svg.appendChild(titled(svgElement('rect', { class: 'bar reserved', x: left + spentWidth, y: top + 4, width: Math.max(1, reservedShare * barWidth), height: rowHeight - 10 }), `reserved for the batches in flight until their true cost is known: ${money(reserved)}`));
      const text = cap.used === undefined ? `– of ${money(cap.limit)}` : `${money(cap.used)} of ${money(cap.limit)} (${Math.round(share * 100)}%${reserved > 0 ? `, ${money(reserved)} reserved` : ''})`;
      chart.svg.appendChild(svgElement('text', { class: 'tick', x: left + barWidth + 8, y: top + rowHeight / 2 + 4 }, text));
    });
    chart.show(`True cost so far: ${money(data.trueCost)}. The lighter part of a bar is reserved for batches in flight. Hover a bar for what counts against its cap.`);
    return caps.length;
  }

  function drawTimeline(data) {
    const chart = section('timeline', 'Batches on a timeline (pushed → finished)', 'No batch has been pushed yet.');
    const batches = data.batches.filter((b) => b.pushedAt !== undefined);
    if (batches.length === 0) return chart.empty(), 0;
    const start = Math.min(...batches.map((b) => b.pushedAt));
    const end = Math.max(start + 1, data.readAt, ...batches.map((b) => b.finishedAt || b.pushedAt));
    const x = (at) => margin.left + ((at - start) / (end - start)) * (width - margin.left - margin.right);
    const rowHeight = (height - margin.top - margin.bottom) / batches.length;
    // A gap between rows while they are tall enough to show one; many batches share the height without one.
    const barHeight = rowHeight > 4 ? rowHeight - 1 : rowHeight;
    axes(chart.svg, clock(start), clock(end), '');
    batches.forEach((b, i) => {
      const finish = b.finishedAt !== undefined ? b.finishedAt : b.place === 'processed' ? b.pushedAt : data.readAt;
      const cls = b.place === 'processed' ? (b.status === 'completed' ? 'bar done' : 'bar over') : 'bar running';
      const label = `${b.kind === 'direct' ? 'Direct batch' : 'Batch'} ${b.id} · ${b.status} · ${count(b.numRequests)} requests · pushed ${clock(b.pushedAt)}${b.finishedAt !== undefined ? `, finished ${clock(b.finishedAt)}` : b.place === 'processed' ? '' : ', running'}`;
      chart.svg.appendChild(titled(svgElement('rect', { class: cls, x: x(b.pushedAt), y: margin.top + i * rowHeight, width: Math.max(2, x(finish) - x(b.pushedAt)), height: barHeight }), label));
    });
    legend(chart.svg, [['swatch-done', 'completed'], ['swatch-running', 'at the provider'], ['swatch-over', 'failed, expired or cancelled']]);
    const older = data.olderBatches > 0 ? ` ${count(data.olderBatches)} older processed batches are not drawn.` : '';
    const local = data.batches.length - batches.length;
    chart.show(`${batches.length} batches${local > 0 ? `, and ${local} local ones not pushed yet` : ''}.${older}`);
    return batches.length;
  }

  function drawCosts(data) {
    const chart = section('costs', 'Predicted against true cost per batch', 'No batch has been processed yet: its predicted and true cost will show here.');
    const batches = data.batches.filter((b) => b.trueCost !== undefined);
    if (batches.length === 0) return chart.empty(), 0;
    const top = Math.max(1e-9, ...batches.map((b) => Math.max(b.estimatedCost, b.trueCost)));
    const slot = (width - margin.left - margin.right) / batches.length;
    const y = (value) => (value / top) * (height - margin.top - margin.bottom);
    const bottom = height - margin.bottom;
    axes(chart.svg, `batch ${batches[0].id}`, `batch ${batches[batches.length - 1].id}`, money(top));
    batches.forEach((b, i) => {
      const x = margin.left + i * slot;
      const bar = Math.max(1, slot / 2 - 1);
      const label = `${b.kind === 'direct' ? 'Direct batch' : 'Batch'} ${b.id}: predicted ${money(b.estimatedCost)}, true ${money(b.trueCost)}`;
      chart.svg.appendChild(titled(svgElement('rect', { class: 'bar predicted', x, y: bottom - y(b.estimatedCost), width: bar, height: y(b.estimatedCost) }), label));
      chart.svg.appendChild(titled(svgElement('rect', { class: 'bar true', x: x + bar, y: bottom - y(b.trueCost), width: bar, height: y(b.trueCost) }), label));
    });
    legend(chart.svg, [['swatch-predicted', 'predicted'], ['swatch-true', 'true']]);
    const predicted = batches.reduce((sum, b) => sum + b.estimatedCost, 0);
    const actual = batches.reduce((sum, b) => sum + b.trueCost, 0);
    chart.show(`These ${batches.length} batches: predicted ${money(predicted)}, true ${money(actual)}${predicted > 0 ? ` (${Math.round((actual / predicted) * 100)}% of the prediction)` : ''}.`);
    return batches.length * 2;
  }

  function drawRatios(data) {
    const chart = section('ratios', 'Completion-ratio distribution', 'No request has been answered yet: how much of max_output_tokens the answers use will show here.');
    const ratios = data.completionRatios;
    if (ratios.counted === 0) return chart.empty(), 0;
    const top = Math.max(1, ...ratios.bins);
    const slot = (width - margin.left - margin.right) / ratios.bins.length;
    const bottom = height - margin.bottom;
    axes(chart.svg, '0', '1 (all of max_output_tokens)', count(top));
    let drawn = 0;
    ratios.bins.forEach((n, i) => {
      const h = (n / top) * (height - margin.top - margin.bottom);
      const from = (i / ratios.bins.length).toFixed(2);
      const to = ((i + 1) / ratios.bins.length).toFixed(2);
      if (n > 0) drawn += 1;
      chart.svg.appendChild(titled(svgElement('rect', { class: 'bar ratio', x: margin.left + i * slot + 1, y: bottom - h, width: Math.max(1, slot - 2), height: h }), `${from}–${to}: ${count(n)} requests`));
    });
    const sampled = ratios.counted < ratios.answered ? ` from an evenly spread sample of ${count(ratios.counted)} of ${count(ratios.answered)} answered requests` : ` over all ${count(ratios.counted)} answered requests`;
    chart.show(`Mean ${ratios.mean === undefined ? '–' : ratios.mean.toFixed(3)}${sampled}; compare it with the task's assumed completion ratio.`);
    return drawn;
  }

  function draw(message) {
    charts.replaceChildren();
    if (message.error !== undefined) {
      summary.textContent = message.error;
      summary.className = 'summary error';
      vscode.postMessage({ type: 'drawn', charts: {} });
      return;
    }
    const data = message.data;
    summary.className = 'summary';
    summary.textContent = data.started
      ? `${count(data.samples.succeeded)} succeeded · ${count(data.samples.failed)} failed · ${count(data.samples.pending)} pending · true cost ${money(data.trueCost)} · read ${new Date(data.readAt * 1000).toLocaleTimeString()}`
      : 'This task has not run yet: its charts fill in as soon as it runs.';
    const drawn = {
      progress: drawProgress(data),
      caps: drawCaps(data, message.sessionCost),
      timeline: drawTimeline(data),
      costs: drawCosts(data),
      ratios: drawRatios(data),
    };
    vscode.postMessage({ type: 'drawn', charts: drawn });
  }

  window.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'data') {
      vscode.setState(event.data);
      draw(event.data);
    }
  });
  const saved = vscode.getState();
  if (saved) draw(saved);
  vscode.postMessage({ type: 'ready' });
})();
