/** Who the credentials are (sts:GetCallerIdentity) and the IAM path of a role (iam:GetRole), over the Query protocol. */
import type { AwsCallOptions, AwsPlumbing, AwsResult } from './call.js'
import { createQueryClient, IAM, STS, type QueryService } from './query-client.js'
import { child, text } from './xml.js'

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

export function createIdentityCalls(aws: AwsPlumbing): IdentityCalls {
  const client = async (service: QueryService, o: AwsCallOptions) =>
    createQueryClient({ service, region: o.region, credentials: await aws.credentials(o), vars: aws.vars })
  return {
    getCallerIdentity: (o) =>
      aws.call('sts:GetCallerIdentity', o, async (signal) => {
        const sts = await client(STS, o)
        const sent = Date.now()
        const xml = await sts.call('GetCallerIdentity', {}, signal)
        const result = child(xml, 'GetCallerIdentityResult')
        const server = sts.lastServerDate()
        // The Date header has one-second precision: only a larger difference is a real offset.
        const offset = server ? server.getTime() - (sent + Date.now()) / 2 : 0
        return {
          account: text(result, 'Account') ?? '',
          arn: text(result, 'Arn') ?? '',
          userId: text(result, 'UserId') ?? '',
          clockOffsetMs: Math.abs(offset) < 2000 ? 0 : Math.round(offset),
        }
      }),
    getRole: (name, o) =>
      aws.call('iam:GetRole', o, async (signal) => {
        const xml = await (await client(IAM, o)).call('GetRole', { RoleName: name }, signal)
        const role = child(child(xml, 'GetRoleResult'), 'Role')
        return { arn: text(role, 'Arn') ?? '', path: text(role, 'Path') ?? '/', name: text(role, 'RoleName') ?? name }
      }),
  }
}
