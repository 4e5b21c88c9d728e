'use strict';
/**
 * Peak-RSS probe for metrics (bench/micro/metrics-rss.ts): an app using only @opentelemetry/api
 * that records into 10 metrics (5 counters, 5 histograms) × 2000 attribute sets of 3 attributes,
 * one measurement per series per metric every 10 ms for RSS_SECONDS (default 5), then prints
 * `done` and stays alive until it is killed (so the parent reads VmHWM of a live process).
 * The first line names the global MeterProvider (which agent, if any, is behind the API).
 */
const { metrics } = require('@opentelemetry/api');

const SERIES = 2000;
const seconds = Number(process.env.RSS_SECONDS || 5);
const meter = metrics.getMeter('rss-app', '1.0.0');
const instruments = [];
for (let i = 0; i < 5; i++) {
  instruments.push({ add: true, i: meter.createCounter(`app.requests.${i}`) });
  instruments.push({ add: false, i: meter.createHistogram(`app.duration.${i}`, { unit: 'ms' }) });
}
const methods = ['GET', 'POST', 'PUT', 'DELETE'];
const sets = [];
for (let i = 0; i < SERIES; i++) {
  sets.push({ 'http.request.method': methods[i % 4], 'http.response.status_code': 200 + (Math.floor(i / 4) % 8), 'http.route': `/api/r${Math.floor(i / 32)}/:id` });
}

process.stdout.write(`provider ${metrics.getMeterProvider().constructor.name}\n`);
let v = 0;
const until = Date.now() + seconds * 1000;
const tick = () => {
  for (const { add, i } of instruments) {
    for (const attributes of sets) {
      v = (v + 37) % 1200;
      if (add) i.add(1, attributes);
      else i.record(v, attributes);
    }
  }
  if (Date.now() < until) setTimeout(tick, 10);
  else {
    process.stdout.write('done\n');
    setInterval(() => {}, 1000);
  }
};
tick();
