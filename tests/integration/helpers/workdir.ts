/**
 * A temporary directory for one test file's databases and process logs. It is removed after the
 * file's tests unless one of them failed; then it is kept and its path printed, so the processes'
 * logs can be read.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach } from "vitest";

export interface WorkDir {
  readonly path: string;
  /** A path inside the directory. */
  file(name: string): string;
  /** Remove it, or keep it (and say where) when a test failed. */
  cleanup(): void;
}

/** Create the directory now; call inside a `describe` (it registers a beforeEach hook). */
export function workDir(prefix: string): WorkDir {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let failed = false;
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });
  return {
    path,
    file: (name) => join(path, name),
    cleanup() {
      if (failed) console.error(`kept ${path} (databases and process logs) for the failed test`);
      else rmSync(path, { recursive: true, force: true });
    },
  };
}
