// tsc does not keep the executable bit; npm links bin only to executable files on some setups.
import { chmodSync } from 'node:fs';

chmodSync(new URL('../dist/src/cli.js', import.meta.url), 0o755);
