// `npm run bench`: every benchmark of voucherd, one after the other, then one JSON line of all
// their figures, last on stdout.
//
// Each part is a script of its own (runnable alone) that prints its summary to stdout and ends
// with one JSON line of its figures; its progress goes to stderr. This driver passes both through
// as they come, keeps each part's last JSON line, and once all have run prints one JSON object:
// the figures of parts without a `key` at its top level (bench/run.mjs: create5000_p50_ms,
// floor_p50_ms, create5000_ratio, …_200k, list_rps, bare_rps, list_ratio, peak_rss_mb, …), and
// those of the others under their `key` (the soak's under "soak"). A part that fails adds no
// figures (null under its key) and its name to "failed", and the exit code is 1; later parts still run.
//
// To add a benchmark: write bench/<name>.mjs to the same rules and add it to PARTS.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** In order; `key` null merges the part's figures into the top level of the final line. */
const PARTS = [
  { name: 'run', script: 'bench/run.mjs', key: null },
  { name: 'soak', script: 'bench/soak.mjs', key: 'soak' },
  { name: 'radius', script: 'bench/radius.mjs', key: 'radius' },
];

/** Runs one part, passing its output through; answers its exit code and its last JSON line. */
function runPart(part) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, part.script)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let pending = '';
    let figures = null;
    const take = (line) => {
      const text = line.trim();
      if (!text.startsWith('{')) return;
      try {
        figures = JSON.parse(text);
      } catch {
        // a summary line that merely starts with a brace
      }
    };
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) take(line);
    });
    child.once('close', (code, signal) => {
      take(pending);
      done({ code: code ?? (signal ? 1 : 0), figures });
    });
  });
}

const combined = {};
const failed = [];
for (const part of PARTS) {
  process.stderr.write(`bench: --- ${part.name} (${part.script})\n`);
  const { code, figures } = await runPart(part);
  if (code !== 0 || figures === null) failed.push(part.name);
  if (part.key === null) Object.assign(combined, figures ?? {});
  else combined[part.key] = figures;
}
combined.failed = failed;
console.log(JSON.stringify(combined));
process.exitCode = failed.length === 0 ? 0 : 1;
