/**
 * pino's private symbols, read from its own `lib/symbols.js` when it loads (every pino from 5.14
 * exports them there). The patches find a logger's mixin, bindings, serializers and keys through
 * them, the way pino's own code does; none is ever written (the internal write and `asJson`
 * methods they name on pino's prototype are wrapped).
 */
export interface PinoSymbols {
  mixin?: symbol;
  chindings?: symbol;
  write?: symbol;
  asJson?: symbol;
  serializers?: symbol;
  messageKey?: symbol;
  errorKey?: symbol;
  time?: symbol;
  stream?: symbol;
}

export function readPinoSymbols(exports: unknown, into: PinoSymbols): void {
  const all = exports as Record<string, unknown>;
  const pick = (name: string): symbol | undefined => (typeof all[name] === 'symbol' ? (all[name] as symbol) : undefined);
  into.mixin = pick('mixinSym');
  into.chindings = pick('chindingsSym');
  into.write = pick('writeSym');
  into.asJson = pick('asJsonSym');
  into.serializers = pick('serializersSym');
  into.messageKey = pick('messageKeySym');
  into.errorKey = pick('errorKeySym');
  into.time = pick('timeSym');
  into.stream = pick('streamSym');
}
