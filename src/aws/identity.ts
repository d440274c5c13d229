/** Who the credentials are (sts:GetCallerIdentity) and the IAM path of a role (iam:GetRole), through the SDK's STS and IAM clients. */
import type { AwsCallOptions, AwsPlumbing, AwsResult } from './call.js'
import { clientCache, sdkClientConfig } from './sdk-clients.js'

/** The caller, and how far this machine's clock is from AWS's (the SDK learns it from the Date header). */
export interface CallerIdentity {
  account: string
  arn: string
  userId: string
  /** Milliseconds to add to the local clock to get AWS's, from the answer's Date header (second precision). */
  clockOffsetMs: number
}

export interface RoleInfo {
  arn: string
  path: string
  name: string
}

export interface IdentityCalls {
  getCallerIdentity(o: AwsCallOptions): Promise<AwsResult<CallerIdentity>>
  getRole(name: string, o: AwsCallOptions): Promise<AwsResult<RoleInfo>>
}

/** When the last answer was asked for and received, and the Date AWS stamped on it. */
interface Exchange {
  sent: number
  received: number
  date?: string
}

export function createIdentityCalls(aws: AwsPlumbing): IdentityCalls {
  const stsSdk = () => import('@aws-sdk/client-sts')
  const iamSdk = () => import('@aws-sdk/client-iam')
  const sts = clientCache(aws, async (o) => {
    const client = new (await stsSdk()).STSClient(await sdkClientConfig(aws, 'STS', o))
    const last: { exchange?: Exchange } = {}
    // The SDK corrects its own clock only past 5 minutes of skew; the probe reports smaller offsets too.
    client.middlewareStack.add(
      (next) => async (args) => {
        const sent = Date.now()
        const out = await next(args)
        const headers = (out.response as { headers?: Record<string, string> }).headers ?? {}
        last.exchange = { sent, received: Date.now(), date: headers.date }
        return out
      },
      { step: 'deserialize', name: 'eksdoctorServerDate', priority: 'low' },
    )
    return { client, last }
  })
  const iam = clientCache(aws, async (o) => new (await iamSdk()).IAMClient(await sdkClientConfig(aws, 'IAM', o)))

  return {
    getCallerIdentity: (o) =>
      aws.call('sts:GetCallerIdentity', o, async (abortSignal) => {
        const [{ client, last }, { GetCallerIdentityCommand }] = await Promise.all([sts(o), stsSdk()])
        const out = await client.send(new GetCallerIdentityCommand({}), { abortSignal })
        const exchange = last.exchange
        const server = exchange?.date ? Date.parse(exchange.date) : Number.NaN
        // The Date header has one-second precision: only a larger difference is a real offset.
        const offset = exchange && !Number.isNaN(server) ? server - (exchange.sent + exchange.received) / 2 : 0
        return {
          account: out.Account ?? '',
          arn: out.Arn ?? '',
          userId: out.UserId ?? '',
          clockOffsetMs: Math.abs(offset) < 2000 ? 0 : Math.round(offset),
        }
      }),
    getRole: (name, o) =>
      aws.call('iam:GetRole', o, async (abortSignal) => {
        const [client, { GetRoleCommand }] = await Promise.all([iam(o), iamSdk()])
        const role = (await client.send(new GetRoleCommand({ RoleName: name }), { abortSignal })).Role
        return { arn: role?.Arn ?? '', path: role?.Path ?? '/', name: role?.RoleName ?? name }
      }),
  }
}
