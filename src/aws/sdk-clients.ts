/**
 * The AWS SDK clients eksdoctor uses (EKS, STS, IAM), each imported only when a call needs it and
 * built once per region, profile and connect bound. Everything the SDK would otherwise read from
 * process.env is passed explicitly from the profile's settings: region, credentials, the shared
 * HTTP handler, attempts and retry mode, FIPS and dual-stack, and the configured endpoint (or
 * none: the SDK's endpoint rules then decide from the region).
 */
import type { AwsCallOptions, AwsPlumbing } from './call.js'
import { SILENT_LOGGER } from './sdk-quiet.js'

/** What every SDK client constructor is given. */
export async function sdkClientConfig(aws: AwsPlumbing, serviceId: string, o: AwsCallOptions) {
  const [settings, credentials, requestHandler] = await Promise.all([aws.settings(o), aws.credentials(o), aws.httpHandler(o)])
  const endpoint = settings.endpointUrl(serviceId)
  return {
    region: o.region,
    profile: settings.profile,
    credentials,
    requestHandler,
    maxAttempts: settings.maxAttempts,
    retryMode: settings.retryMode,
    useFipsEndpoint: settings.useFipsEndpoint,
    useDualstackEndpoint: settings.useDualstackEndpoint,
    logger: SILENT_LOGGER,
    ...(endpoint ? { endpoint } : { ignoreConfiguredEndpointUrls: true }),
  }
}

/** One client per region, profile and connect bound, built on first use. */
export function clientCache<C>(aws: AwsPlumbing, build: (o: AwsCallOptions) => Promise<C>): (o: AwsCallOptions) => Promise<C> {
  const clients = new Map<string, Promise<C>>()
  return (o) => {
    const key = `${o.region}|${o.profile ?? aws.vars.AWS_PROFILE ?? ''}|${o.connectTimeoutMs ?? ''}`
    let client = clients.get(key)
    if (!client) {
      client = build(o)
      // A client that could not be built (an unreadable CA bundle) is tried again next time.
      client.catch(() => clients.delete(key))
      clients.set(key, client)
    }
    return client
  }
}
