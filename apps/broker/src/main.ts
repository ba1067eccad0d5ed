import { deprioritizeThreadPool } from './node/thread-pool-priority';

// First, before the rest of the broker loads: some of its modules start the thread pool as
// they load, and only the threads started here can be found and reniced.
// Without /proc (or permission), the broker runs anyway, and says so.
void deprioritizeThreadPool()
  .catch(() => ({ threads: 0 }))
  .then(async (pool) => {
    const { runBroker } = await import('./run-broker');
    runBroker(pool);
  });
