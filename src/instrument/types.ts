/**
 * What an instrumentation declares. The framework (hooks.ts) decides when to call `patch`;
 * the instrumentation never touches module loading itself.
 */
export interface PatchTarget {
  /** Package name (`express`) or builtin (`http`). */
  module: string;
  /**
   * A file inside the package, relative to its root (`lib/router/layer.js`); without it, the
   * package's main file. Either is reached whether the app requires the package or imports it
   * from an ES module.
   */
  file?: string;
  /**
   * Also hook the module when it is loaded as an ES module (import-in-the-middle). Only for
   * code the require hook cannot see: an ES module package, or an ES build of a dual package.
   * The loader hook costs start-up time (tens of milliseconds), so it is registered only when an
   * enabled target asks for it, and only for the modules named by such targets.
   */
  esm?: boolean;
  /** Semver range of the package versions this patch supports; builtins match Node's version. */
  versions: string;
  /**
   * Patches `exports` in place, or returns a replacement, which only `require` callers get: an ES
   * module importing the file gets the exports Node made. May throw: the framework contains it.
   */
  patch(exports: unknown, version: string): unknown;
}

export interface Instrumentation {
  /** The name used in OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS. */
  readonly name: string;
  readonly targets: readonly PatchTarget[];
  /** Subscriptions to a library's own diagnostics channels go here; called once. */
  enable?(): void;
}
