// What a scenario prints on stdout and stderr: untrusted text on its way to
// the user's terminal. Split into lines, stripped of control sequences, and
// kept in a log file written under a temp name and renamed at the end.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

// Not util.stripVTControlCharacters: it leaves the text of OSC titles and links with spaces and of
// DCS strings on screen (ESC ]0;my title BEL becomes "y title"), and this text is untrusted.
// CSI (ESC [ … final), OSC (ESC ] … BEL or ST), DCS/SOS/PM/APC (ESC P|X|^|_ … ST), other
// two-byte escapes, and the 8-bit CSI. What is left of C0/C1 controls goes next.
// eslint-disable-next-line no-control-regex
const ESCAPE =
  /\u001b\[[0-?]*[ -/]*[@-~]?|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[PX^_][^\u001b]*(?:\u001b\\)?|\u001b[ -/]*[0-~]?|\u009b[0-?]*[ -/]*[@-~]?/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/** Printable text and tabs only: no escape sequence can move the cursor, retitle or recolour the user's terminal. */
export function sanitizeLine(text: string): string {
  return text.replace(ESCAPE, '').replace(CONTROL, '');
}

/** Longest line kept whole; a scenario that writes megabytes without a newline is cut into lines of this length. */
const MAX_LINE = 64 * 1024;

/** Turns chunks of decoded text into lines; end() hands over a last line with no newline. */
export class LineSplitter {
  private partial = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const part of parts) this.onLine(part);
    while (this.partial.length > MAX_LINE) {
      this.onLine(this.partial.slice(0, MAX_LINE));
      this.partial = this.partial.slice(MAX_LINE);
    }
  }

  end(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }
}

/** The log keeps this much of a scenario's output; past it, one line says it was cut. */
export const MAX_LOG_BYTES = 16 * 1024 * 1024;

export function truncatedLine(bytes: number): string {
  return `[leakscan: output truncated after ${Math.round(bytes / 2 ** 20)} MB; the rest was not kept]`;
}

/**
 * The scenario's log: opened (mode 0600) at the first line, so a scenario that
 * prints nothing leaves no file. A write error is kept, not thrown: it happens
 * inside a stream handler, and the runner reports it when the scenario ends.
 */
export class OutputLog {
  private fd: number | null = null;
  private lines = 0;
  private bytes = 0;
  /** The first write error, with the file it concerns. */
  error: { file: string; cause: unknown } | null = null;

  constructor(
    private readonly tempFile: string,
    private readonly maxBytes = MAX_LOG_BYTES,
  ) {}

  write(line: string): void {
    if (this.error || this.bytes > this.maxBytes) return;
    try {
      // 'wx': created here or not at all, never through a link someone planted at the name.
      this.fd ??= openSync(this.tempFile, 'wx', 0o600);
      this.bytes += Buffer.byteLength(line) + 1;
      writeSync(this.fd, `${this.bytes > this.maxBytes ? truncatedLine(this.maxBytes) : line}\n`);
      this.lines++;
    } catch (err) {
      this.error = { file: this.tempFile, cause: err };
    }
  }

  private close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  /** Renames the temp file to `file` and returns it; with nothing printed, removes a stale `file` and returns null. */
  commit(file: string): string | null {
    this.close();
    if (this.lines === 0) {
      rmSync(file, { force: true });
      return null;
    }
    renameSync(this.tempFile, file);
    return file;
  }

  discard(): void {
    try {
      this.close();
    } finally {
      rmSync(this.tempFile, { force: true });
    }
  }
}
