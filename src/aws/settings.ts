/**
 * The settings every AWS call of one profile shares, read from the injected variables and the
 * shared files with the SDK's own selectors: FIPS and dual-stack endpoints, attempts and retry
 * mode, configured endpoint URLs (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's
 * [services] section, its endpoint_url, all off under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) and the
 * CA bundle. The SDK clients then get them as explicit values, so nothing reads process.env behind
 * the variables eksdoctor was given.
 */
import type { Profile } from '@smithy/types'
import { loadSharedConfig, profileName, profileSettings, type SharedConfig, type SharedConfigSource } from './shared-config.js'

/** What the calls of one profile need to know about endpoints, retries and TLS. */
export interface AwsSettings {
  profile: string
  useFipsEndpoint: boolean
  useDualstackEndpoint: boolean
  maxAttempts: number
  retryMode: 'standard' | 'adaptive'
  /** The configured endpoint of a service (its SDK service id: EKS, EC2, STS, IAM), if any. */
  endpointUrl(serviceId: string): string | undefined
  /** AWS_CA_BUNDLE, else the profile's ca_bundle: a PEM file trusted for AWS endpoints and the proxy. */
  caBundle?: string
}

type Vars = Readonly<Record<string, string | undefined>>

/** The SDK's selector shape (@smithy/core/config LoadedConfigSelectors). */
interface Selectors<T> {
  environmentVariableSelector(env: Vars): T | undefined
  configFileSelector(profile: Profile, configFile?: SharedConfig['configFile']): T | undefined
  default: T | (() => Promise<T>) | undefined
}

/**
 * What the SDK's loadConfig would answer, with `vars` for the environment: the variable, then the
 * file, then the default. A value a selector rejects (AWS_USE_FIPS_ENDPOINT=yes) falls through to
 * the next source, as in the SDK's provider chain.
 */
function select<T>(s: Selectors<T>, vars: Vars, profile: Profile, shared: SharedConfig): T | undefined {
  for (const read of [() => s.environmentVariableSelector(vars), () => s.configFileSelector(profile, shared.configFile)]) {
    try {
      const value = read()
      if (value !== undefined) return value
    } catch {
      // The next source decides.
    }
  }
  return typeof s.default === 'function' ? undefined : s.default
}

/**
 * @smithy/core's endpoints adaptors (getEndpointUrlConfig, getIgnoreConfiguredEndpointUrls), which
 * its package does not export: the same order and names.
 */
function endpointUrlSelectors(serviceId: string): Selectors<string> {
  const words = serviceId.split(' ')
  return {
    environmentVariableSelector: (env) => env[['AWS_ENDPOINT_URL', ...words.map((w) => w.toUpperCase())].join('_')] || env.AWS_ENDPOINT_URL || undefined,
    configFileSelector: (profile, configFile) => {
      if (profile.services) {
        const section = configFile?.[`services.${profile.services}`]
        // The SDK refuses a profile that names a [services] section the file lacks.
        if (!section) throw new Error(`The services section "${profile.services}" specified in the profile is not present in the shared configuration file.`)
        const url = section[`${words.map((w) => w.toLowerCase()).join('_')}.endpoint_url`]
        if (url) return url
      }
      return profile.endpoint_url || undefined
    },
    default: undefined,
  }
}

export async function resolveAwsSettings(profile: string | undefined, source: SharedConfigSource): Promise<AwsSettings> {
  const [shared, config, retry] = await Promise.all([loadSharedConfig(source), import('@smithy/core/config'), import('@smithy/core/retry')])
  const name = profileName(profile, source.vars)
  const merged = profileSettings(shared, name)
  const vars = source.vars
  const pick = <T>(s: Selectors<T>) => select(s, vars, merged, shared)
  const ignore = pick({
    environmentVariableSelector: (env) => config.booleanSelector(env as Record<string, string>, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', config.SelectorType.ENV),
    configFileSelector: (p) => config.booleanSelector(p, 'ignore_configured_endpoint_urls', config.SelectorType.CONFIG),
    default: false,
  })
  const retryMode = pick(retry.NODE_RETRY_MODE_CONFIG_OPTIONS as Selectors<string>)
  return {
    profile: name,
    useFipsEndpoint: pick(config.NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS as Selectors<boolean>) ?? false,
    useDualstackEndpoint: pick(config.NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS as Selectors<boolean>) ?? false,
    maxAttempts: Math.max(1, pick(retry.NODE_MAX_ATTEMPT_CONFIG_OPTIONS as Selectors<number>) ?? 3),
    retryMode: retryMode === 'adaptive' ? 'adaptive' : 'standard',
    endpointUrl: (serviceId) => (ignore ? undefined : pick(endpointUrlSelectors(serviceId))?.replace(/\/+$/, '')),
    // botocore's names: the variable first, then the profile.
    caBundle: vars.AWS_CA_BUNDLE || merged.ca_bundle || undefined,
  }
}
