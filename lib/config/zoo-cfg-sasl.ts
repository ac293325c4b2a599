/**
 * The client-authentication keys of zoo.cfg, under the names ZooKeeper 3.9 reads them (as Java
 * system properties; the `zookeeper.` prefix is optional here, as it is for ZooKeeper's keys that
 * also appear in zoo.cfg):
 * - `jaasLoginConfig` or `java.security.auth.login.config`: the JAAS file whose server section
 *   (`zookeeper.sasl.serverconfig`, default `Server`) lists the DIGEST-MD5 users;
 * - `zookeeper.superUser`: the SASL user that holds every permission;
 * - `zookeeper.enforce.auth.enabled` and `zookeeper.enforce.auth.schemes`, and
 *   `zookeeper.sessionRequireClientSASLAuth` (which stands for both with the scheme `sasl`).
 *
 * Parsing only: the JAAS file is read when the server starts (lib/host/sasl.ts).
 * `zookeeper.sasl.client`-style client keys are not server settings and are not read here.
 * @module
 */

/** The client-authentication settings of a zoo.cfg. */
export interface ZooCfgSasl {
  /** The JAAS file, as written (made absolute against the working directory, as dataDir). */
  jaasFile: string | undefined
  /** The JAAS section with the server's users. @defaultValue 'Server' */
  serverSection: string
  /** The SASL superuser. */
  superUser: string | undefined
  /** `enforce.auth.enabled` (or sessionRequireClientSASLAuth). */
  enforce: boolean
  /** `enforce.auth.schemes`, split at commas (`sasl` alone under sessionRequireClientSASLAuth). */
  enforceSchemes: string[]
  /** Whether sessionRequireClientSASLAuth=true was given: it overrides the enforce.auth keys. */
  requireSasl: boolean
}

/** Settings with ZooKeeper's defaults: no SASL, nothing enforced. */
export function saslDefaults(): ZooCfgSasl {
  return { jaasFile: undefined, serverSection: 'Server', superUser: undefined, enforce: false, enforceSchemes: [], requireSasl: false }
}

function unprefixed(key: string): string {
  return key.startsWith('zookeeper.') ? key.slice('zookeeper.'.length) : key
}

function bool(key: string, value: string, fail: (message: string) => Error): boolean {
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  throw fail(`${key}=${value}: expected true or false`)
}

/**
 * Applies one zoo.cfg line if it is a client-authentication key; returns whether it was one.
 * `fail` makes the error for a malformed value.
 */
export function applySaslKey(sasl: ZooCfgSasl, key: string, value: string, fail: (message: string) => Error): boolean {
  if (key === 'jaasLoginConfig' || key === 'java.security.auth.login.config') {
    sasl.jaasFile = value
    return true
  }
  switch (unprefixed(key)) {
    case 'sasl.serverconfig':
      sasl.serverSection = value
      return true
    case 'superUser':
      sasl.superUser = value
      return true
    case 'enforce.auth.enabled':
      sasl.enforce = bool(key, value, fail)
      return true
    case 'enforce.auth.schemes':
      sasl.enforceSchemes = value.split(',').map((s) => s.trim()).filter((s) => s !== '')
      return true
    case 'sessionRequireClientSASLAuth':
      sasl.requireSasl = bool(key, value, fail)
      return true
    default:
      return false
  }
}

/**
 * The schemes a session must hold one of, or undefined when nothing is enforced. As ZooKeeper's
 * AuthenticationHelper: sessionRequireClientSASLAuth=true means `sasl`, whatever the enforce keys say.
 */
export function enforcedSchemes(sasl: ZooCfgSasl): string[] | undefined {
  if (sasl.requireSasl) return ['sasl']
  return sasl.enforce ? [...sasl.enforceSchemes] : undefined
}
