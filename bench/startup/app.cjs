'use strict';
/**
 * Start-up probe: loads express, pg and redis (as an app does when it starts), prints
 * `ready cpu=<µs>` and exits; an exit handler (registered after any agent's) prints the process's
 * CPU time (all threads) at the very end, `exit cpu=<µs>`.
 * With STARTUP_SPAN=1 it also makes one outgoing HTTP request (to a closed port), so every agent
 * has one span queued when the app is done: the exit-time measurement with no collector.
 */
require('express');
require('pg');
require('redis');
if (process.env.STARTUP_SPAN === '1') require('node:http').get('http://127.0.0.1:9/').on('error', () => {});
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
process.stdout.write(`ready cpu=${cpu()}\n`);
process.on('exit', () => process.stdout.write(`exit cpu=${cpu()}\n`));
