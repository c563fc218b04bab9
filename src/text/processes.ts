// Processes as the user gives them to capture: `--pid PID (its command line)`.

/** `--pid 4251 (node server.js), …` for the first four, and how many more. */
export function pidOptions(processes: Array<{ pid: number; command: string }>): string {
  const named = processes.slice(0, 4).map(({ pid, command }) => {
    return `--pid ${pid} (${command.length > 80 ? `${command.slice(0, 79)}…` : command})`;
  });
  const more = processes.length > named.length ? `, and ${processes.length - named.length} more` : '';
  return `${named.join(', ')}${more}`;
}
