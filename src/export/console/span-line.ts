import { SpanKind, type AttributeValue } from '@opentelemetry/api';
import type { SpanData } from '../../sdk/span-data';
import { isError } from './spans';

/**
 * One span's line in the console tree. The default form shows what identifies the operation
 * (its label, kind, duration, status, path or URL, status code, query text, error type) and ends
 * with `+N more` when attributes are left out; the verbose form adds the span id and every
 * attribute. Ids, ports and peer addresses are in the verbose form only.
 */

/** The attributes of the default form, in the order they are shown. */
const IDENTIFYING = [
  'url.path',
  'url.full',
  'http.response.status_code',
  'db.query.text',
  'db.response.status_code',
  'error.type',
];
/** A string value longer than this is cut, with `...` saying so. */
const DEFAULT_VALUE_LENGTH = 60;
const VERBOSE_VALUE_LENGTH = 300;
/** Shorter values (`0`, `1`) would match a label by accident. */
const MIN_REPEATED_LENGTH = 3;
/** Keys the label shows when it names the span's system (system-label.ts). */
const SYSTEM_KEYS = new Set(['db.system.name', 'db.system']);

function formatValue(value: AttributeValue, maxLength: number): string {
  if (typeof value !== 'string') return Array.isArray(value) ? JSON.stringify(value) : String(value);
  return JSON.stringify(value.length > maxLength ? value.slice(0, maxLength - 3) + '...' : value);
}

/** An attribute the label already reads (the method of `GET /users`, the summary of `pg SELECT users`). */
function inLabel(key: string, value: AttributeValue, label: string, labelled: boolean): boolean {
  if (labelled && SYSTEM_KEYS.has(key)) return true;
  return typeof value === 'string' && value.length >= MIN_REPEATED_LENGTH && label.includes(value);
}

function statusText(span: SpanData): string | undefined {
  if (!isError(span)) return undefined;
  return span.status.message ? `ERROR (${span.status.message})` : 'ERROR';
}

export interface LineContext {
  /** The printed name (system-label.ts). */
  label: string;
  /** The start of the printed tree, for the `@+` offset. */
  traceStart: number;
  verbose: boolean;
}

export function spanLine(span: SpanData, { label, traceStart, verbose }: LineContext): string {
  const parts = [label, SpanKind[span.kind], `${(span.endTime - span.startTime).toFixed(2)} ms`];
  const offset = span.startTime - traceStart;
  if (verbose || offset > 0) parts.push(`@+${offset.toFixed(2)} ms`);
  if (verbose) parts.push(`id=${span.spanId}`);
  const status = statusText(span);
  if (status !== undefined) parts.push(status);
  const labelled = label !== span.name;
  const shown: string[] = [];
  let more = 0;
  if (verbose) {
    span.attributeKeys.forEach((key, i) => shown.push(`${key}=${formatValue(span.attributeValues[i], VERBOSE_VALUE_LENGTH)}`));
  } else {
    for (const key of IDENTIFYING) {
      const index = span.attributeKeys.indexOf(key);
      if (index >= 0 && !inLabel(key, span.attributeValues[index], label, labelled)) {
        shown.push(`${key}=${formatValue(span.attributeValues[index], DEFAULT_VALUE_LENGTH)}`);
      }
    }
    span.attributeKeys.forEach((key, i) => {
      if (!IDENTIFYING.includes(key) && !inLabel(key, span.attributeValues[i], label, labelled)) more++;
    });
  }
  if (shown.length > 0) parts.push(shown.join(' '));
  const events = span.events.filter((event) => event.name !== 'exception');
  if (verbose && events.length > 0) parts.push(`events: ${events.map((event) => event.name).join(', ')}`);
  const hidden = [more > 0 ? `+${more} more` : '', !verbose && events.length > 0 ? `${events.length} event${events.length === 1 ? '' : 's'}` : '']
    .filter((text) => text !== '')
    .join(', ');
  if (hidden !== '') parts.push(hidden);
  return parts.join('  ');
}
