/**
 * Loaded with `node -r` into the profiled proxy. `--cpu-prof` writes its profile only when the process exits
 * normally, but Nest's shutdown hook ends a SIGTERM'd app by re-raising SIGTERM at itself once it has closed. With
 * this listener present, the first SIGTERM still runs Nest's graceful close (draining settlements), and the
 * re-raised one exits with code 0, so the profile gets written.
 */
let received = 0;
process.on('SIGTERM', () => {
  received += 1;
  if (received > 1) process.exit(0);
});
