import type { Config } from './config.js';

// What Wisp prints when it starts. A secret is printed only when Wisp has just generated it,
// once: one given through the environment is the operator's already and would only end up
// in logs (container logs keep stdout).

export interface BannerFacts {
  origin: string;
  masterSid: string;
  /** The master's auth token when it was generated at this start; null otherwise. */
  generatedAuthToken: string | null;
  /** The admin token when it was generated at this start; null otherwise. */
  generatedAdminToken: string | null;
}

export function bannerFacts(config: Config, origin: string, wisp: { master: { sid: string; auth_token: string }; masterCreated: boolean; adminToken: string; adminTokenGenerated: boolean }): BannerFacts {
  return {
    origin,
    masterSid: wisp.master.sid,
    generatedAuthToken: wisp.masterCreated && config.authToken === null ? wisp.master.auth_token : null,
    generatedAdminToken: wisp.adminTokenGenerated ? wisp.adminToken : null,
  };
}

export function startBanner(facts: BannerFacts): string {
  const { origin, masterSid, generatedAuthToken, generatedAdminToken } = facts;
  const lines = [
    '',
    `Wisp is serving on ${origin}`,
    `  master account   ${masterSid}`,
    `  auth token       ${generatedAuthToken ? `${generatedAuthToken}   (generated: shown this once)` : '(not shown: WISP_AUTH_TOKEN, or set when the database was created)'}`,
    `  admin token      ${generatedAdminToken ? `${generatedAdminToken}   (generated: set WISP_ADMIN_TOKEN to keep one)` : '(not shown: WISP_ADMIN_TOKEN)'}`,
    '',
    'Try it:',
    `  curl -u ${masterSid}:AUTH_TOKEN ${origin}/v1/Sims?PageSize=5`,
    `  or open ${origin}/console and sign in with the account SID and auth token (the admin token opens the operator's pages)`,
    '',
  ];
  return lines.join('\n') + '\n';
}
