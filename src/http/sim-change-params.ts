import { type Params, method, oneOf, str } from './params.js';
import type { SimUpdateInput } from '../domain/sims/service.js';
import type { SimStatus } from '../domain/models.js';

// The parameters of a change to a Sim, read the same way for `POST /v1/Sims/{Sid}` and for a
// batch of changes (`/wisp/v1/SimBatches`, where the Sim's callback is `SimCallbackUrl`, since
// `CallbackUrl` is the batch's own).

export const SIM_STATUSES: readonly SimStatus[] = ['new', 'ready', 'active', 'suspended', 'deactivated', 'canceled', 'scheduled', 'updating'];

/** Every field of a Sim update but its unique name; `callback` names the status callback's parameters. */
export function readSimChange(params: Params, callback: 'Callback' | 'SimCallback'): Omit<SimUpdateInput, 'uniqueName'> {
  return {
    friendlyName: str(params, 'FriendlyName'),
    callbackUrl: str(params, `${callback}Url`, { max: 4096 }),
    callbackMethod: method(params, `${callback}Method`),
    status: oneOf(params, 'Status', SIM_STATUSES),
    ratePlan: str(params, 'RatePlan'),
    resetStatus: oneOf(params, 'ResetStatus', ['resetting'] as const),
    accountSid: str(params, 'AccountSid'),
    commandsCallbackUrl: str(params, 'CommandsCallbackUrl', { max: 4096 }),
    commandsCallbackMethod: method(params, 'CommandsCallbackMethod'),
    smsUrl: str(params, 'SmsUrl', { max: 4096 }),
    smsMethod: method(params, 'SmsMethod'),
    smsFallbackUrl: str(params, 'SmsFallbackUrl', { max: 4096 }),
    smsFallbackMethod: method(params, 'SmsFallbackMethod'),
    voiceUrl: str(params, 'VoiceUrl', { max: 4096 }),
    voiceMethod: method(params, 'VoiceMethod'),
    voiceFallbackUrl: str(params, 'VoiceFallbackUrl', { max: 4096 }),
    voiceFallbackMethod: method(params, 'VoiceFallbackMethod'),
  };
}
