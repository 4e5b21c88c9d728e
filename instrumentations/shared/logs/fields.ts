/**
 * Reading a record's fields without ever throwing into the app: a getter (or proxy trap) that
 * throws gives `[Unreadable]` for that field, an object whose keys cannot be listed gives none.
 * Values are passed to the Logs API as they are: the SDK copies them into AnyValues at emit
 * (nested objects as maps; cycles, BigInt, symbols and the rest handled there, once, for every
 * caller of the API), so the loggers never convert a value twice.
 */
export function readField(source: object, key: string): unknown {
  try {
    return (source as Record<string, unknown>)[key];
  } catch {
    return '[Unreadable]';
  }
}

export function ownKeys(source: object): string[] {
  try {
    return Object.keys(source);
  } catch {
    return [];
  }
}
