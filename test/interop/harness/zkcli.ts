/**
 * zkCli.sh from the Debian `zookeeper` package, run as one-shot commands:
 * `zkCli.sh -server 127.0.0.1:PORT cmd args`.
 * @module
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { javaPath, zkCliPath } from './apache.js'

/** Why zkCli.sh cannot run here, or undefined when it can. */
export function zkCliUnavailableReason(): string | undefined {
  if (!existsSync(javaPath)) return `${javaPath} is missing`
  if (!existsSync(zkCliPath)) return `${zkCliPath} is missing (run .ci/install-interop.sh as root)`
  return undefined
}

/** One zkCli.sh run: the command's own output (the connection banner removed) and its exit code. */
export interface ZkCliResult {
  code: number
  /** stdout without the connection banner (`Connecting to`, `WATCHER::`, the SyncConnected event). */
  out: string
  /** stderr without the SLF4J logging warnings. */
  err: string
}

/**
 * The session timeout zkCli.sh asks for: long, so a client JVM starved of CPU on a loaded
 * machine does not lose its connection (ConnectionLoss) before its one command ran.
 */
export const zkCliSessionTimeoutMs = 30_000

/** How long one zkCli.sh invocation (a JVM start) may take. */
const zkCliTimeoutMs = 45_000

/** Runs `zkCli.sh -server <connectString> ...command`. */
export function zkCli(connectString: string, ...command: string[]): Promise<ZkCliResult> {
  return runZkCli(['-server', connectString, '-timeout', String(zkCliSessionTimeoutMs), ...command], undefined)
}

/**
 * Runs `zkCli.sh -server <connectString> ...command` with more JVM flags in CLIENT_JVMFLAGS
 * (`-Dzookeeper.client.secure=true` and the other client keys, or a `-cp` that replaces the
 * script's: the JVM takes the last one).
 */
export function zkCliWith(jvmFlags: readonly string[], connectString: string, ...command: string[]): Promise<ZkCliResult> {
  return runZkCli(['-server', connectString, '-timeout', String(zkCliSessionTimeoutMs), ...command], undefined, jvmFlags)
}

/**
 * Runs zkCli.sh as a shell reading `commands` (one per line) from stdin, all in one session, and
 * resolves with the watch events it printed and its stdout lines, in order.
 */
export async function zkCliSession(
  connectString: string,
  commands: readonly string[],
): Promise<{ code: number; events: string[]; lines: string[]; err: string }> {
  const args = ['-server', connectString, '-timeout', String(zkCliSessionTimeoutMs)]
  const result = await runZkCli(args, [...commands, 'quit'].join('\n') + '\n')
  const lines = result.out.split('\n').filter((line) => line !== '' && line !== 'WATCHER::')
  const events = lines
    .map((line) => /^WatchedEvent state:SyncConnected type:(\w+) path:(\S+)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[1] !== 'None')
    .map((match) => `${match[1]} ${match[2]}`)
  return { code: result.code, events, lines: lines.filter((line) => !line.startsWith('WatchedEvent')), err: result.err }
}

/**
 * stdout without the connection banner. The banner's `WatchedEvent` line comes from zkCli's
 * event thread and may print after the command's own output, so banner lines are removed
 * wherever they are rather than cut at a position.
 */
function commandOutput(stdout: string): string {
  const banner = /^(Connecting to .*|WATCHER::|WatchedEvent state:SyncConnected type:None path:null|)$/
  return stdout
    .split('\n')
    .filter((line) => !banner.test(line))
    .join('\n')
    .trim()
}

function runZkCli(args: string[], stdin: string | undefined, jvmFlags: readonly string[] = []): Promise<ZkCliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      zkCliPath,
      args,
      {
        timeout: zkCliTimeoutMs,
        // A quick-starting client JVM; the logs go to a directory anyone may write.
        env: { ...process.env, CLIENT_JVMFLAGS: ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', ...jvmFlags].join(' '), ZOO_LOG_DIR: '/tmp' },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error)
        resolve({
          code: typeof error?.code === 'number' ? error.code : 0,
          out: commandOutput(stdout),
          err: stderr
            .split('\n')
            .filter((line) => !line.startsWith('SLF4J:'))
            .join('\n')
            .trim(),
        })
      },
    )
    if (stdin !== undefined) child.stdin?.end(stdin)
    else child.stdin?.end()
  })
}
