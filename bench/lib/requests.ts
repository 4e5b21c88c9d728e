import * as http from 'node:http';

/**
 * Sends exactly `count` GET requests to `url` over `connections` keep-alive connections, each
 * connection sending its next request when the last response has ended (wrk measures a duration;
 * this sends a number, for measures taken per request of a fixed run). Rejects on the first
 * failure or a status other than 200.
 */
export function sendRequests(url: string, count: number, connections: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let started = 0;
  let ended = 0;
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      agent.destroy();
      reject(error);
    };
    const next = (): void => {
      if (failed || started >= count) return;
      started++;
      http
        .get(url, { agent }, (res) => {
          if (res.statusCode !== 200) {
            fail(new Error(`GET ${url} answered ${res.statusCode}`));
            res.resume();
            return;
          }
          res.resume();
          res.on('end', () => {
            ended++;
            if (ended === count) {
              agent.destroy();
              resolve();
            } else next();
          });
        })
        .on('error', fail);
    };
    for (let i = 0; i < Math.min(connections, count); i++) next();
  });
}
