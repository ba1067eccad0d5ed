import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';

/** Nice value of the pool's threads: the kernel gives the event loop ~9× their share of a contended core. */
export const THREAD_POOL_NICE = 10;

const TASKS = '/proc/self/task';

function threadIds(): string[] {
  return readdirSync(TASKS);
}

/**
 * Lowers the scheduling priority of libuv's thread pool, where slow hashes (bcrypt, pbkdf2,
 * argon2), WebCrypto and file system calls run. When a hash and the event loop want the same
 * core, the event loop, which relays every connected client's messages, gets it first. The
 * slow-hash gate already keeps one core free of hashes; this covers the moments the scheduler
 * puts a hash on the event loop's core anyway.
 *
 * The pool starts its threads on its first job, so this must run before anything else uses
 * it: the threads that appear while a first file-system call runs are the pool's. Linux only
 * (threads are /proc/self/task entries, and setpriority on a thread id renices that thread);
 * elsewhere, or when the pool had already started, nothing changes and `threads` is 0.
 */
export async function deprioritizeThreadPool(nice = THREAD_POOL_NICE): Promise<{ threads: number }> {
  if (process.platform !== 'linux') return { threads: 0 };
  const before = new Set(threadIds());
  await stat('/');
  const started = threadIds().filter((id) => !before.has(id));
  for (const id of started) setPriority(Number(id), nice);
  return { threads: started.length };
}
