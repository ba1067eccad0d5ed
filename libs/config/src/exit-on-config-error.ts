import { ConfigError } from './config.error';

/** Runs a program's start; a ConfigError ends the process with one line naming the variable. */
export function exitOnConfigError<T>(start: () => T): T {
  try {
    return start();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`MQC: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
