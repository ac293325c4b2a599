/**
 * zkCli.sh from the Debian `zookeeper` package, run as one-shot commands:
 * `zkCli.sh -server 127.0.0.1:PORT cmd args`.
 * @module
 */
import { execFile } from 'node:child_process'
import { zkCliPath } from './apache.js'

/** One zkCli.sh run: the command's own output (the connection banner removed) and its exit code. */
export interface ZkCliResult {
  code: number
  /** stdout after the `WatchedEvent state:SyncConnected` banner line. */
  out: string
  /** stderr without the SLF4J logging warnings. */
  err: string
}

/** How long one zkCli.sh invocation (a JVM start) may take. */
const zkCliTimeoutMs = 30_000

/** Runs `zkCli.sh -server <connectString> ...command`. */
export function zkCli(connectString: string, ...command: string[]): Promise<ZkCliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      zkCliPath,
      ['-server', connectString, ...command],
      {
        timeout: zkCliTimeoutMs,
        // A quick-starting client JVM; the logs go to a directory anyone may write.
        env: { ...process.env, CLIENT_JVMFLAGS: '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC', ZOO_LOG_DIR: '/tmp' },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error)
        const lines = stdout.split('\n')
        const banner = lines.findIndex((line) => line.startsWith('WatchedEvent state:SyncConnected'))
        resolve({
          code: typeof error?.code === 'number' ? error.code : 0,
          out: lines.slice(banner + 1).join('\n').trim(),
          err: stderr
            .split('\n')
            .filter((line) => !line.startsWith('SLF4J:'))
            .join('\n')
            .trim(),
        })
      },
    )
  })
}
