/**
 * Digest ids, as ZooKeeper's DigestAuthenticationProvider makes them: what `addauth digest` gives
 * a session and what a `digest` ACL names. Kept apart from the tree's ACL rules because it hashes
 * (node:crypto), and the tree stays pure.
 * @module
 */
import { createHash } from 'node:crypto'

/**
 * The digest id for a `user:password` credential: `user:base64(sha1("user:password"))`
 * (DigestAuthenticationProvider.generateDigest).
 */
export function digestId(userPassword: string): string {
  const colon = userPassword.indexOf(':')
  const user = colon < 0 ? userPassword : userPassword.slice(0, colon)
  const hash = createHash('sha1').update(userPassword, 'utf8').digest('base64')
  return `${user}:${hash}`
}
