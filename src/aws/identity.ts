/** Who the credentials are (sts:GetCallerIdentity) and the IAM path of a role (iam:GetRole). */
import type { AwsCallOptions, AwsPlumbing, AwsResult } from './clients.js'

/** The caller, and how far this machine's clock is from AWS's (the SDK learns it from the Date header). */
export interface CallerIdentity {
  account: string
  arn: string
  userId: string
  /** Milliseconds to add to the local clock to get AWS's; 0 when within the SDK's 5-minute tolerance. */
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
  return {
    getCallerIdentity: (o) =>
      aws.call('sts:GetCallerIdentity', o, async (abortSignal) => {
        const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts')
        const client = await aws.client('sts', o, (config) => new STSClient(config as never))
        const out = await client.send(new GetCallerIdentityCommand({}), { abortSignal })
        return {
          account: out.Account ?? '',
          arn: out.Arn ?? '',
          userId: out.UserId ?? '',
          clockOffsetMs: (client.config as { systemClockOffset?: number }).systemClockOffset ?? 0,
        }
      }),
    getRole: (name, o) =>
      aws.call('iam:GetRole', o, async (abortSignal) => {
        const { IAMClient, GetRoleCommand } = await import('@aws-sdk/client-iam')
        const client = await aws.client('iam', o, (config) => new IAMClient(config as never))
        const out = await client.send(new GetRoleCommand({ RoleName: name }), { abortSignal })
        return { arn: out.Role?.Arn ?? '', path: out.Role?.Path ?? '/', name: out.Role?.RoleName ?? name }
      }),
  }
}
