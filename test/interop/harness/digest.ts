/**
 * ZooKeeper's digest ids (DigestAuthenticationProvider.generateDigest), computed independently.
 * @module
 */
import { createHash } from 'node:crypto'

/** `user:base64(sha1("user:password"))`, the id a digest ACL names. */
export function digestId(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`
}
