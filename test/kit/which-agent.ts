import assert from 'node:assert/strict';

/** What test/fixtures/which-agent.cjs prints: which form of the agent loaded, through which API copy. */
export interface WhichAgent {
  bundle: boolean;
  files: boolean;
  bundledApi: boolean;
  traced: boolean;
  appApiSeesAgent: boolean | null;
}

export function parseWhichAgent(stdout: string): WhichAgent {
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line !== undefined, stdout);
  return JSON.parse(line.slice('RESULT '.length)) as WhichAgent;
}
