/**
 * The process groups of the commands running now (each `sh` command is one, led by its bash):
 * what the runner kills before it exits, whatever a handler left running.
 */
export const commandGroups = new Set<number>();
