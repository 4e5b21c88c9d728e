/**
 * Entry point for `node --import otelite/register` and `node --require otelite/register`.
 * It never throws: whatever goes wrong, the app runs, untraced, and one line says why.
 */
function isDisabled(): boolean {
  return (process.env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true';
}

function isSupportedNode(): boolean {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 20 || (major === 20 && minor >= 6);
}

if (!isDisabled()) {
  if (!isSupportedNode()) {
    process.stderr.write(`otelite: Node.js ${process.versions.node} is not supported (needs >= 20.6); tracing is off\n`);
  } else {
    try {
      // Loaded lazily so that OTEL_SDK_DISABLED=true loads nothing beyond this file.
      (require('./agent') as typeof import('./agent')).startAgent();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`otelite: the agent failed to start, the app runs without tracing: ${reason}\n`);
    }
  }
}
