/** The region a profile sets in the shared files, read as the SDK reads it (shared-config.ts). */
import { loadSharedConfig, profileName, profileSettings, type SharedConfigSource } from './shared-config.js'

export async function profileRegion(profile: string | undefined, o: SharedConfigSource): Promise<string | undefined> {
  const shared = await loadSharedConfig(o)
  // The SDK's region loader prefers the credentials file where both files set one.
  return profileSettings(shared, profileName(profile, o.vars), 'credentials').region || undefined
}

/** The region the AWS tools would use when none is given: AWS_REGION, AWS_DEFAULT_REGION, then the profile's. */
export async function defaultRegion(profile: string | undefined, o: SharedConfigSource): Promise<{ region: string; source: string } | undefined> {
  if (o.vars.AWS_REGION) return { region: o.vars.AWS_REGION, source: 'AWS_REGION' }
  // The aws CLI reads AWS_DEFAULT_REGION too; the JS SDK does not.
  if (o.vars.AWS_DEFAULT_REGION) return { region: o.vars.AWS_DEFAULT_REGION, source: 'AWS_DEFAULT_REGION' }
  const fromProfile = await profileRegion(profile, o)
  return fromProfile ? { region: fromProfile, source: `profile ${profileName(profile, o.vars)}` } : undefined
}
