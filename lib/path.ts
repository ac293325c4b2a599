/**
 * Znode path rules (as apache/zookeeper common/PathUtils) and small path helpers.
 * @module
 */
import { zkError } from './errors.js'

/**
 * Throws BADARGUMENTS unless `path` is a valid znode path: absolute, no trailing slash (except
 * the root), no empty segment, no `.` or `..` segment, no NUL and none of the characters
 * ZooKeeper rejects (U+0001–U+001F, U+007F–U+009F, U+D800–U+F8FF, U+FFF0–U+FFFF).
 *
 * With `sequential` true the path is checked as it will be once the server appends the
 * 10-digit suffix, so a trailing slash is allowed (`/queue/` becomes `/queue/0000000001`).
 */
export function validatePath(path: string, sequential = false): void {
  if (typeof path !== 'string') throw new TypeError('path must be a string')
  const problem = pathProblem(sequential ? path + '1' : path)
  if (problem !== undefined) {
    throw zkError('BADARGUMENTS', path, `Invalid path string "${path}" caused by ${problem}`)
  }
}

// Every valid path but the root: one or more segments, each a slash and then characters none of
// which is a slash or a rejected one, and none `.` or `..`. Matched per UTF-16 code unit, as the
// rules below are. It answers the common case about three times faster than the loop below on a
// long path; the loop names what is wrong with an invalid path.
const validPathPattern = /^(?:\/(?!\.\.?(?:\/|$))[^/\x00-\x1f\x7f-\x9f\ud800-\uf8ff\ufff0-\uffff]+)+$/

/** Returns why `path` is invalid, or undefined when it is valid. */
export function pathProblem(path: string): string | undefined {
  if (validPathPattern.test(path)) return undefined
  if (path.length === 0) return 'path length must be > 0'
  if (path.charCodeAt(0) !== 0x2f) return 'path must start with / character'
  if (path.length === 1) return undefined
  if (path.charCodeAt(path.length - 1) === 0x2f) return 'path must not end with / character'
  let segmentStart = 1
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f
    if (c === 0x2f) {
      const problem = segmentProblem(path, segmentStart, i)
      if (problem !== undefined) return problem
      segmentStart = i + 1
      continue
    }
    const bad = characterProblem(c, i)
    if (bad !== undefined) return bad
  }
  return undefined
}

function segmentProblem(path: string, start: number, end: number): string | undefined {
  if (end === start) return `empty node name specified @${start}`
  if (end - start === 1 && path.charCodeAt(start) === 0x2e) return `relative paths not allowed @${start}`
  if (end - start === 2 && path.charCodeAt(start) === 0x2e && path.charCodeAt(start + 1) === 0x2e) {
    return `relative paths not allowed @${start + 1}`
  }
  return undefined
}

function characterProblem(c: number, i: number): string | undefined {
  if (c === 0) return `null character not allowed @${i}`
  if ((c > 0x00 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff0 && c <= 0xffff)) {
    return `invalid character @${i}`
  }
  return undefined
}

/** The parent of a valid path: `/a/b` → `/a`, `/a` → `/`. The root has no parent and returns `''`. */
export function parentPath(path: string): string {
  if (path === '/') return ''
  const slash = path.lastIndexOf('/')
  return slash === 0 ? '/' : path.slice(0, slash)
}

/** The last segment of a valid path: `/a/b` → `b`; the root's is `''`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** Joins a parent path and a child name: (`/`, `a`) → `/a`, (`/a`, `b`) → `/a/b`. */
export function childPath(parent: string, child: string): string {
  return parent === '/' ? '/' + child : parent + '/' + child
}

/** True when `path` is `ancestor` or lies below it. */
export function isAtOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === '/') return true
  return path === ancestor || (path.startsWith(ancestor) && path.charCodeAt(ancestor.length) === 0x2f)
}
