// Method: what the report says about the run's machine and software: the operating system, and
// the versions of Paddock (package.json, and the git commit when run from a clone) and of the
// Apache ZooKeeper package the bench runs (dpkg's record of Debian's zookeeper package), of the
// other Debian packages it runs (Curator's test jar) and of the JVM they run on.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { arch, release, type } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The output of a command, trimmed, or undefined when it fails. */
function outputOf(command: string, args: readonly string[], cwd?: string): string | undefined {
  try {
    const text = execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim()
    return text === '' ? undefined : text
  } catch {
    return undefined
  }
}

/** The nearest directory at or above this module's holding Paddock's package.json. */
function packageRoot(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, 'package.json')
    if (existsSync(path) && (JSON.parse(readFileSync(path, 'utf8')) as { name?: string }).name === 'paddock') return dir
    if (dirname(dir) === dir) return undefined
  }
}

/** Paddock's version, e.g. `0.1.0 (commit 1e1fc0e)`, or undefined when no package.json is found. */
export function paddockVersion(): string | undefined {
  const root = packageRoot()
  if (root === undefined) return undefined
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
  const commit = outputOf('git', ['rev-parse', '--short', 'HEAD'], root)
  const dirty = commit === undefined ? undefined : outputOf('git', ['status', '--porcelain', '--untracked-files=no'], root)
  return commit === undefined ? version : `${version} (commit ${commit}${dirty === undefined ? '' : ', with local changes'})`
}

/** The installed Debian package `name`'s version, e.g. `5.4.0-3`, or undefined when it is not installed. */
export function debianPackageVersion(name: string): string | undefined {
  return outputOf('dpkg-query', ['-W', '-f=${Version}', name])
}

/** The installed Debian zookeeper package's version, e.g. `3.8.0-11+deb12u2`, or undefined. */
export function apacheVersion(): string | undefined {
  return debianPackageVersion('zookeeper')
}

/** The first line `java -version` prints (to stderr), e.g. `openjdk version "17.0.15" 2025-04-15`, or undefined. */
export function javaVersion(java: string): string | undefined {
  const run = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 10_000 })
  const line = run.status === 0 ? run.stderr.split('\n')[0]?.trim() : undefined
  return line === '' ? undefined : line
}

/** The operating system and architecture, e.g. `Linux 6.1.0-18-amd64 x64`. */
export function platformName(): string {
  return `${type()} ${release()} ${arch()}`
}
