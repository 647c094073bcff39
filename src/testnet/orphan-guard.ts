/**
 * Loaded into every process the testnet starts (`node --import`): if the launcher disappears
 * without stopping its children (killed with SIGKILL, or its terminal closed under it), the child
 * is handed to another parent, and this notices and asks the process to stop as a signal from the
 * launcher would (SIGTERM: a node's graceful stop). A testnet never leaves processes behind.
 */
const launcher = process.ppid;

setInterval(() => {
  if (process.ppid !== launcher) process.kill(process.pid, 'SIGTERM');
}, 1_000).unref();
