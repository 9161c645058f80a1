// Server 1.0.x exits on SIGTERM; see gracefulSignal.
const SIGTERM_VERSIONS = /^1\.0\./

/**
 * The script a local Chroma server child process runs (`node -e`), with its
 * settings in the {@link RUNNER_ENV} environment variable. It is a string so
 * it ships inside the compiled module and needs no extra file in `dist/`.
 *
 * The bindings export only `cli(argv)`, which blocks the calling thread for
 * the server's lifetime. So the runner:
 * 1. loads the first binding that loads here (the newest needs glibc 2.38) and
 *    reports which one on stderr, or reports every failure and exits 78;
 * 2. starts a watchdog worker thread (a worker's event loop keeps running while
 *    the main thread is blocked) that stops the server once the parent process
 *    is gone (its ppid changes), even when the parent was killed with SIGKILL;
 * 3. calls `cli(['chroma', 'run', ...])`.
 * The watchdog never writes to stdio: after the parent is gone that would throw EPIPE.
 */
export const RUNNER_SCRIPT = String.raw`
'use strict';
const { Worker } = require('node:worker_threads');
const fs = require('node:fs');
const settings = JSON.parse(process.env.VECSTORE_CHROMA_RUNNER);
const watchdog = ${JSON.stringify(watchdogSource())};
const report = (tag, value) => fs.writeSync(2, '\n' + tag + ' ' + JSON.stringify(value) + '\n');
const failures = [];
let binding;
let loaded;
for (const candidate of settings.candidates) {
  try {
    binding = require(candidate.path);
    if (typeof binding.cli !== 'function') throw new Error('it exports no cli() function');
    loaded = candidate;
    break;
  } catch (error) {
    binding = undefined;
    failures.push({ name: candidate.name, reason: String((error && error.message) || error).split('\n')[0] });
  }
}
if (!binding) {
  report('@@vecstore:no-binding', failures);
  process.exit(78);
}
report('@@vecstore:binding', loaded);
const signal = ${SIGTERM_VERSIONS}.test(loaded.version) ? 'SIGTERM' : 'SIGINT';
new Worker(watchdog, { eval: true, workerData: { ppid: settings.parentPid, signal, graceMs: settings.graceMs, removeDir: settings.removeDir } }).unref();
binding.cli(['chroma', 'run', '--path', settings.path, '--host', '127.0.0.1', '--port', String(settings.port)]);
`

/**
 * Which signal stops a server gracefully. Server 1.0.x (binding 1.0.x) exits on
 * SIGTERM and spins at 100% CPU on SIGINT; newer servers do the reverse.
 */
export function gracefulSignal(bindingVersion: string): 'SIGTERM' | 'SIGINT' {
  return SIGTERM_VERSIONS.test(bindingVersion) ? 'SIGTERM' : 'SIGINT'
}

/** The environment variable carrying the runner's settings (JSON). */
export const RUNNER_ENV = 'VECSTORE_CHROMA_RUNNER'

/** Settings passed to the runner. */
export interface RunnerSettings {
  readonly candidates: readonly BindingCandidate[]
  readonly path: string
  readonly port: number
  readonly graceMs: number
  /** The process that owns the server: when it is gone, the server stops. */
  readonly parentPid: number
  /** Ephemeral mode: the data directory, removed by the watchdog if the parent dies. */
  readonly removeDir: string | undefined
}

/** A binding to try: its package name (for messages) and the paths to load. */
export interface BindingCandidate {
  readonly name: string
  /** Absolute path of the module to `require`. */
  readonly path: string
  /** Its package version (picks the stop signal). */
  readonly version: string
}

function watchdogSource(): string {
  return `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const timer = setInterval(() => {
  if (process.ppid === workerData.ppid) return;
  clearInterval(timer);
  if (workerData.removeDir) {
    try { fs.rmSync(workerData.removeDir, { recursive: true, force: true }); } catch {}
  }
  try { process.kill(process.pid, workerData.signal); } catch {}
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), workerData.graceMs);
}, 200);
`
}
