/** The region a profile sets in the shared config file (~/.aws/config or AWS_CONFIG_FILE). */
import { join } from 'node:path'

export async function profileRegion(
  profile: string | undefined,
  o: { vars: Readonly<Record<string, string | undefined>>; homedir: string; readText(path: string): Promise<string | undefined> },
): Promise<string | undefined> {
  const path = o.vars.AWS_CONFIG_FILE ?? join(o.homedir, '.aws', 'config')
  const text = await o.readText(path)
  if (!text) return undefined
  const wanted = profile && profile !== 'default' ? [`profile ${profile}`, profile] : ['default', 'profile default']
  let section: string | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim()
    const header = /^\[\s*(.+?)\s*\]$/.exec(line)
    if (header) {
      section = header[1]
      continue
    }
    const kv = /^region\s*=\s*(\S+)/.exec(line)
    if (kv && section && wanted.includes(section)) return kv[1]
  }
  return undefined
}

/** The region the AWS tools would use when none is given: AWS_REGION, AWS_DEFAULT_REGION, then the profile's. */
export async function defaultRegion(
  profile: string | undefined,
  o: { vars: Readonly<Record<string, string | undefined>>; homedir: string; readText(path: string): Promise<string | undefined> },
): Promise<{ region: string; source: string } | undefined> {
  if (o.vars.AWS_REGION) return { region: o.vars.AWS_REGION, source: 'AWS_REGION' }
  if (o.vars.AWS_DEFAULT_REGION) return { region: o.vars.AWS_DEFAULT_REGION, source: 'AWS_DEFAULT_REGION' }
  const fromProfile = await profileRegion(profile, o)
  return fromProfile ? { region: fromProfile, source: `profile ${profile ?? 'default'}` } : undefined
}
