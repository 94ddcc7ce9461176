// Shared pieces of the browser tests: the `scopekit serve` process they drive.

import { spawn } from 'node:child_process';
import path from 'node:path';

import { chromium } from 'playwright-core';

/** Debian's Chromium (override with $CHROMIUM). */
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/**
 * Headless Chromium with a fresh profile in `profile` and HOME/XDG dirs under `home` (no
 * network extras, no first-run UI); `viewport` 1280×720 unless given, `args` appended,
 * other options passed through (e.g. acceptDownloads). Resolves to the persistent context.
 */
export function launchBrowser(profile, home, { args = [], viewport = { width: 1280, height: 720 }, ...options } = {}) {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...args],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') },
    viewport,
    ...options,
  });
}

/** Start `BIN serve --port 0` in `cwd`; resolve to { proc, url } once it prints its URL. */
export function startServer(bin, cwd) {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, ['serve', '--host', '127.0.0.1', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`scopekit serve printed no URL within 20 s; stdout: ${stdout} stderr: ${stderr}`));
    }, 20_000);
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      stdout += chunk;
      const m = stdout.match(/serving on (http:\/\/\S+?)\/?\s*$/m);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: `${m[1]}/` });
      }
    });
    proc.stderr.on('data', (chunk) => { stderr += chunk; });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`scopekit serve exited early (${code ?? signal}); stderr: ${stderr}`));
    });
  });
}

/** Stop a server started by startServer (SIGTERM, SIGKILL after 3 s). */
export async function stopServer(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}
