// The floor for any snapshot tool: read every byte of both files once (1 MB
// reads) and touch each byte, counting commas. Nothing can diff faster.
import { closeSync, openSync, readSync } from 'node:fs';

let commas = 0;
const buffer = Buffer.allocUnsafe(1 << 20);
for (const file of process.argv.slice(2)) {
  const fd = openSync(file, 'r');
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    if (n === 0) break;
    for (let i = 0; i < n; i++) if (buffer[i] === 0x2c) commas++;
  }
  closeSync(fd);
}
process.stdout.write(`${commas}\n`);
