import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Read once from the package's own package.json (two levels up from build/src). */
function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const VERSION = readVersion();
