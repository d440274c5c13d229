/** Profile names defined in the shared config and credentials files, to catch a typo early. */
import { join } from 'node:path'

export async function listProfiles(o: {
  vars: Readonly<Record<string, string | undefined>>
  homedir: string
  readText(path: string): Promise<string | undefined>
}): Promise<{ names: string[]; files: string[] }> {
  const files = [
    o.vars.AWS_CONFIG_FILE ?? join(o.homedir, '.aws', 'config'),
    o.vars.AWS_SHARED_CREDENTIALS_FILE ?? join(o.homedir, '.aws', 'credentials'),
  ]
  const names = new Set<string>()
  for (const [index, path] of files.entries()) {
    const text = await o.readText(path)
    for (const line of (text ?? '').split(/\r?\n/)) {
      const header = /^\s*\[\s*(.+?)\s*\]\s*$/.exec(line)?.[1]
      if (!header || header.startsWith('sso-session ') || header.startsWith('services ')) continue
      // The config file writes [profile name]; the credentials file writes [name].
      names.add(index === 0 && header.startsWith('profile ') ? header.slice('profile '.length).trim() : header)
    }
  }
  return { names: [...names], files }
}
