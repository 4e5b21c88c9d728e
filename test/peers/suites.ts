import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/**
 * How a library's own suite is run, found from its package.json scripts (following `npm run X`
 * references) or given on the command line:
 * - mocha: the script's own mocha arguments, with the peers reporter in place of its reporter;
 * - node:test: `node --test` or borp (which wraps node:test's `run()`), over the script's files,
 *   `.borp.yaml`'s `files`, or borp's default pattern;
 * - per-file: each file run with `node`, its exit code the outcome.
 */
export type Suite = (
  | { kind: 'mocha'; mochaBin: string; args: string[] }
  | { kind: 'node-test'; files: string[] }
  | { kind: 'per-file'; files: string[] }
) & {
  /** The script's own settings before its command (`TS_NODE_TRANSPILE_ONLY=true NODE_ENV=test mocha ...`). */
  env: Record<string, string>;
};

export type SuiteKind = Suite['kind'];

interface PackageJson {
  name?: string;
  version?: string;
  scripts?: Record<string, string>;
}

export function readPackage(tree: string): PackageJson {
  return JSON.parse(readFileSync(path.join(tree, 'package.json'), 'utf8')) as PackageJson;
}

/** Splits a script into commands (`&&`, `||`, `;`) and those into words (quotes kept together). */
function commandsOf(script: string): string[][] {
  return script.split(/&&|\|\||;/).map((command) => (command.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((word) => word.replace(/^(["'])(.*)\1$/, '$2')));
}

interface TestCommand {
  /** From the runner's name on: `mocha --check-leaks test/`. */
  words: string[];
  env: Record<string, string>;
}

/** The first command of the test script (or of a script it runs) that runs mocha, borp or node --test. */
function findTestCommand(scripts: Record<string, string>, name: string, seen = new Set<string>()): TestCommand | undefined {
  const script = scripts[name];
  if (script === undefined || seen.has(name)) return undefined;
  seen.add(name);
  for (const words of commandsOf(script)) {
    const run = words.indexOf('run');
    if (words[0] === 'npm' && run >= 0 && words[run + 1] !== undefined) {
      const found = findTestCommand(scripts, words[run + 1], seen);
      if (found !== undefined) return found;
      continue;
    }
    const at = words.findIndex((word) => word === 'mocha' || word === 'borp' || word === '--test');
    if (at >= 0) return { words: words.slice(at), env: settingsBefore(words, at) };
  }
  return undefined;
}

/** The `NAME=value` words that open a command, up to `end`. */
function settingsBefore(words: string[], end: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const word of words.slice(0, end)) {
    const setting = /^([A-Za-z_]\w*)=(.*)$/.exec(word);
    if (setting === null) break;
    env[setting[1]] = setting[2];
  }
  return env;
}

const REPORTER_OPTIONS = new Set(['--reporter', '-R', '--reporter-option', '--reporter-options', '-O']);

/** The mocha arguments of the script, less its reporter choice (the peers reporter replaces it). */
function mochaArgs(words: string[]): string[] {
  const args: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i];
    if (REPORTER_OPTIONS.has(word)) i++;
    else if (![...REPORTER_OPTIONS].some((option) => word.startsWith(`${option}=`))) args.push(word);
  }
  return args;
}

/** borp's and `node --test`'s positional arguments: the files or patterns to run. */
function positionalFiles(words: string[]): string[] {
  const files: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i];
    if (word.startsWith('-')) {
      // Options with a separate value (borp: -c 2, -t 1000, -p pattern, -i ignore).
      if (/^(-[ctpiXr]|--(concurrency|timeout|pattern|ignore|reporter|coverage-exclude))$/.test(word)) i++;
    } else files.push(word);
  }
  return files;
}

function borpPatterns(tree: string): string[] {
  const config = path.join(tree, '.borp.yaml');
  if (!existsSync(config)) return [];
  const text = readFileSync(config, 'utf8');
  const list = /^files:\s*\n((?:\s+-\s.*\n?)+)/m.exec(text);
  return list === null ? [] : [...list[1].matchAll(/-\s+['"]?([^'"\n]+)['"]?/g)].map((match) => match[1].trim());
}

export function detectSuite(tree: string, kind?: SuiteKind, patterns: string[] = []): Suite {
  const command = findTestCommand(readPackage(tree).scripts ?? {}, 'test');
  const words = command?.words;
  const env = command?.env ?? {};
  const detected: SuiteKind | undefined =
    kind ?? (words === undefined ? undefined : words[0] === 'mocha' ? 'mocha' : 'node-test');
  if (detected === undefined) {
    throw new Error(`No mocha, borp or node --test command in ${tree}/package.json's test script: name the runner with --runner and the files with --files.`);
  }
  if (detected === 'mocha') {
    const requireFromTree = createRequire(path.join(tree, 'package.json'));
    const mochaBin = ['mocha/bin/mocha.js', 'mocha/bin/mocha'].map((id) => tryResolve(requireFromTree, id)).find((file) => file !== undefined);
    if (mochaBin === undefined) throw new Error(`mocha is not installed in ${tree} (is it among its devDependencies?)`);
    return { kind: 'mocha', mochaBin, args: [...(words?.[0] === 'mocha' ? mochaArgs(words) : []), ...patterns], env };
  }
  const wanted =
    patterns.length > 0 ? patterns : words !== undefined && positionalFiles(words).length > 0 ? positionalFiles(words) : borpPatterns(tree);
  const files = expandPatterns(tree, wanted.length > 0 ? wanted : ['**/*.test.{js,mjs,cjs}']);
  if (files.length === 0) throw new Error(`No test files in ${tree} match ${wanted.join(' ')}`);
  return { kind: detected, files, env };
}

function tryResolve(requireFromTree: NodeRequire, id: string): string | undefined {
  try {
    return requireFromTree.resolve(id);
  } catch {
    return undefined;
  }
}

/** `**`, `*`, `{a,b}` globs (and plain files or folders, taken whole) relative to the tree, node_modules left out. */
export function expandPatterns(tree: string, patterns: string[]): string[] {
  const all = listFiles(tree, '');
  const matched = new Set<string>();
  for (const pattern of patterns) {
    const clean = pattern.replace(/^\.\//, '').replace(/\/$/, '');
    const regex = /[*{]/.test(clean) ? globToRegExp(clean) : new RegExp(`^${escapeRegExp(clean)}(/.*\\.(js|mjs|cjs))?$`);
    for (const file of all) if (regex.test(file)) matched.add(file);
  }
  return [...matched].sort();
}

function listFiles(root: string, dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '.git') continue;
    const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) files.push(...listFiles(root, relative));
    else files.push(relative);
  }
  return files;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^$()|[\]\\?]/g, '\\$&');
}

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (glob.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (char === '*') source += '[^/]*';
    else if (char === '{') {
      const end = glob.indexOf('}', i);
      source += `(?:${glob.slice(i + 1, end).split(',').map(escapeRegExp).join('|')})`;
      i = end;
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`);
}
