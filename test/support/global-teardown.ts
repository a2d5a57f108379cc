/** Servers started by the global setup are left running for the next run (MariaDB) or stopped here. */
export default async function globalTeardown(): Promise<void> {
  // Filled in as suites add servers that must stop with the run.
}
