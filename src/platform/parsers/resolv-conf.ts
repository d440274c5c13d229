/**
 * Parses resolv.conf(5): `nameserver`, `search`, `domain` and `options` lines. Also reads macOS
 * /etc/resolv.conf, whose notice says the system resolver does not consult it (see scutil --dns).
 *
 * Rules followed, as in glibc: `#` and `;` start a comment; `search` and `domain` replace each other
 * and the last one wins; `nameserver` and `options` accumulate. Values are returned as written: a
 * systemd-resolved stub writes `search .` (no search domain) and macOS may write a scoped IPv6
 * nameserver such as `fe80::1%en0`.
 */

/** The resolver settings of one resolv.conf file. */
export interface ResolvConf {
  nameservers: string[]
  search: string[]
  options: string[]
}

/** Reads the text of a resolv.conf file. */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], options: [] }
  for (const rawLine of text.split(/\r?\n/)) {
    const words = stripComment(rawLine).trim().split(/\s+/).filter((word) => word !== '')
    const [keyword, ...values] = words
    if (keyword === undefined || values.length === 0) continue
    switch (keyword) {
      case 'nameserver':
        // glibc reads only the first word; anything after it is ignored.
        conf.nameservers.push(values[0] as string)
        break
      case 'search':
        conf.search = values
        break
      case 'domain':
        conf.search = [values[0] as string]
        break
      case 'options':
        conf.options.push(...values)
        break
    }
  }
  return conf
}

function stripComment(line: string): string {
  const at = line.search(/[#;]/)
  return at === -1 ? line : line.slice(0, at)
}
