/**
 * What the shell's `config -c` prints of ZooKeeper's dynamic configuration (the data of
 * /zookeeper/config): its version and the client address of each server, as ZooKeeper's
 * `ConfigUtils.getClientConfigStr` writes them.
 * @module
 */
import { parseServerLine } from '../../config/zoo-cfg.js'

/** The `key=value` (or `key:value`) lines of a properties text, blank and comment lines skipped. */
function properties(text: string): Array<{ key: string; value: string }> {
  const entries: Array<{ key: string; value: string }> = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    const match = /^([^=:\s]+)\s*[=:\s]?\s*(.*)$/.exec(line)
    if (match !== null) entries.push({ key: match[1] ?? '', value: (match[2] ?? '').trim() })
  }
  return entries
}

/**
 * `<version> <address:port>,<address:port>…`: the configuration's `version` (empty without one)
 * and, for each `server.N` line, its client address (`0.0.0.0` when the line gives only a port;
 * empty, between its commas, when it gives none). A server line that does not parse is skipped,
 * as ZooKeeper skips it.
 */
export function clientConfigString(configData: string): string {
  let version = ''
  const addresses: string[] = []
  for (const { key, value } of properties(configData)) {
    if (key === 'version') version = value
    if (!key.startsWith('server.')) continue
    try {
      const server = parseServerLine('/zookeeper/config', { key, value, line: 0 })
      addresses.push(server.clientPort === undefined ? '' : `${server.clientAddress ?? '0.0.0.0'}:${server.clientPort}`)
    } catch {
      continue
    }
  }
  return `${version} ${addresses.join(',')}`
}
