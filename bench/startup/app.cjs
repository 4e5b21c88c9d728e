'use strict';
/**
 * Start-up probe: loads express, pg and redis (as an app does when it starts), prints
 * `ready cpu=<µs>` and exits; an exit handler (registered after any agent's) prints the process's
 * CPU time (all threads) at the very end, `exit cpu=<µs>`.
 */
require('express');
require('pg');
require('redis');
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
process.stdout.write(`ready cpu=${cpu()}\n`);
process.on('exit', () => process.stdout.write(`exit cpu=${cpu()}\n`));
